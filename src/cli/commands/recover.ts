// medic recover <target>...: recover each workspace in turn, steps shown as they happen.
import type { Command } from 'commander';
import { recoverMany } from '../../core/index.js';
import { type CliSession, helpFooter, jsonOption, RUN_ENV } from '../context.js';
import { exitCodeFor } from '../exit-codes.js';
import { printResult, progressPrinter } from '../io.js';

interface Options {
  dryRun?: boolean;
  force?: boolean;
  reason?: string;
  json?: boolean;
}

export function registerRecover(program: Command, cli: CliSession): void {
  program
    .command('recover')
    .description(
      'recover workspaces: reseed an empty config volume from the runtime template, start, mark online',
    )
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic recover ws-92f6d88b-6a9 --reason "volume pruned"',
          'medic recover ws-92f6d88b-6a9 --dry-run',
          'medic recover 92f6d88b-6a96-4e6a-875b-3cf866fa020a --json',
        ],
        RUN_ENV,
      ),
    )
    .argument('<target...>', 'ws-<first 12 chars of the uuid> or a full uuid')
    .option('--dry-run', 'plan only: say what would be done, change nothing')
    .option(
      '--force',
      'reseed even a healthy workspace (the volume is snapshotted first), override the restart budget, and end a hold (medic hold)',
    )
    .option('--reason <text>', 'why, for the audit trail')
    .addOption(jsonOption())
    .action(async (targets: string[], o: Options) =>
      cli.withCore(
        async (deps) => {
          const json = o.json ?? false;
          const results = await recoverMany(deps, targets, {
            dryRun: o.dryRun ?? false,
            force: o.force ?? false,
            reason: o.reason ?? null,
            actor: cli.ctx.actor,
            source: 'cli',
            onTarget: (target) => {
              if (json) return undefined;
              cli.io.err(`medic: recover ${target}${o.dryRun ? ' (dry run)' : ''}`);
              return progressPrinter(cli.io);
            },
            onResult: (result) => printResult(cli.io, result, json),
          });
          return exitCodeFor(results);
        },
        cli.unstartedResults(targets, 'recover', o.json),
      ),
    );
}
