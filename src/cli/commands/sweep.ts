// medic sweep: recover every failed workspace whose config volume lacks config.yaml.
import type { Command } from 'commander';
import { atATime, sweep } from '../../core/index.js';
import {
  type CliSession,
  concurrencyOption,
  helpFooter,
  jsonOption,
  positiveInt,
  RUN_ENV,
} from '../context.js';
import { exitCodeFor } from '../exit-codes.js';
import { printResult } from '../io.js';

interface Options {
  dryRun?: boolean;
  concurrency?: number;
  max: number;
  json?: boolean;
}

export function registerSweep(program: Command, cli: CliSession): void {
  program
    .command('sweep')
    .description('recover every workspace whose status is failed and whose config volume lacks config.yaml')
    .addHelpText(
      'after',
      helpFooter(['medic sweep --dry-run', 'medic sweep --concurrency 8 --max 100'], RUN_ENV),
    )
    .option('--dry-run', 'plan only')
    .addOption(concurrencyOption('recoveries at a time'))
    .option('--max <n>', 'recover at most this many', positiveInt, 50)
    .addOption(jsonOption())
    .action(async (o: Options) =>
      cli.withCore(async (deps) => {
        const json = o.json ?? false;
        const width = await atATime(deps, o.concurrency);
        if (!json)
          cli.io.err(
            `medic: sweep: recovering failed workspaces whose config volume lacks config.yaml (at most ${o.max}, ${width.said})${o.dryRun ? ' (dry run)' : ''}`,
          );
        const started = deps.clock.monotonicMs();
        let saidAt = started;
        // Each result is printed as its recovery finishes, not after the whole fleet.
        const report = await sweep(deps, {
          dryRun: o.dryRun ?? false,
          actor: cli.ctx.actor,
          source: 'cli',
          concurrency: width.n,
          max: o.max,
          onResult: (result) => printResult(cli.io, result, json),
          // On a terminal, one line that says how far the fleet is (io.status writes nothing elsewhere).
          onProgress: (p) => {
            const elapsed = ((deps.clock.monotonicMs() - started) / 1000).toFixed(1);
            const line = `sweep: ${p.examined}/${p.candidates} rows, ${p.recovered} recovered, ${p.failed} failed, ${p.leftAlone} left alone, ${elapsed} s`;
            if (json) return;
            cli.io.status(line);
            // In a pipe (no status line), the same every 5 s at most, so that a long sweep is never silent.
            if (!process.stderr.isTTY && deps.clock.monotonicMs() - saidAt >= 5000) {
              saidAt = deps.clock.monotonicMs();
              cli.io.err(`medic: ${line}`);
            }
          },
        });
        cli.io.status(null);
        if (!json)
          cli.io.err(
            `medic: sweep: ${report.results.length} recovered or planned, ${report.skipped.length} failed rows left alone (${report.held} held)`,
          );
        return exitCodeFor(report.results);
      }),
    );
}
