// medic rollback <runId>: put back what a run snapshotted before it seeded.
import type { Command } from 'commander';
import { rollback } from '../../core/index.js';
import { type CliSession, helpFooter, jsonOption, RUN_ENV } from '../context.js';
import { exitCodeFor } from '../exit-codes.js';
import { printResult, progressPrinter } from '../io.js';

export function registerRollback(program: Command, cli: CliSession): void {
  program
    .command('rollback')
    .description('restore the volume content that a run snapshotted before it seeded')
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic rollback 5f1c2d3e-0000-4000-8000-000000000000',
          'medic rollback 5f1c2d3e-0000-4000-8000-000000000000 --force   # a held workspace',
        ],
        RUN_ENV,
      ),
    )
    .argument('<runId>', 'the run id printed by recover (or shown by history)')
    .option('--force', 'roll back a held workspace too, ending its hold (medic hold)')
    .addOption(jsonOption())
    .action(async (runId: string, o: { json?: boolean; force?: boolean }) =>
      cli.withCore(
        async (deps) => {
          if (!o.json) cli.io.err(`medic: rollback ${runId}: put back what the volume held before that run`);
          const result = await rollback(deps, runId, {
            actor: cli.ctx.actor,
            source: 'cli',
            force: o.force ?? false,
            onStep: o.json ? undefined : progressPrinter(cli.io),
          });
          printResult(cli.io, result, o.json ?? false);
          return exitCodeFor([result]);
        },
        cli.unstartedResults([runId], 'rollback', o.json),
      ),
    );
}
