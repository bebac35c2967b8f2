// medic prune [--older-than 30d] [--dry-run] [--runs]: what medic keeps, trimmed.
import type { Command } from 'commander';
import { prune } from '../../core/index.js';
import { type CliSession, CORE_ENV, duration, helpFooter } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerPrune(program: Command, cli: CliSession): void {
  program
    .command('prune')
    .description(
      'remove snapshots and finished jobs older than the cut-off (and, with --runs, the runs: the audit trail), and snapshot helpers a process that died mid-run left on the engine (listed by --dry-run)',
    )
    .addHelpText(
      'after',
      helpFooter(
        ['medic prune --dry-run', 'medic prune --older-than 90d --runs'],
        [...CORE_ENV, 'MEDIC_RETENTION'],
      ),
    )
    .option(
      '--older-than <age>',
      'the cut-off, e.g. 30d (default MEDIC_RETENTION, 30d)',
      duration('30d, 12h, 90m or 45s'),
    )
    .option('--dry-run', 'count what would go, remove nothing')
    .option('--runs', 'remove runs and their steps too (their history is gone after this)')
    .action(async (o: { olderThan?: number; dryRun?: boolean; runs?: boolean }) =>
      cli.withCore(async (deps) => {
        const counts = await prune(deps, {
          ...(o.olderThan !== undefined ? { olderThanMs: o.olderThan } : {}),
          dryRun: o.dryRun ?? false,
          runs: o.runs ?? false,
        });
        const verb = o.dryRun ? 'would remove' : 'removed';
        const helpers =
          counts.helpers.length > 0
            ? `, ${counts.helpers.length} leftover helper containers (${counts.helpers.join(', ')})`
            : '';
        cli.io.out(
          `${verb} ${counts.snapshots} snapshots, ${counts.jobs} finished jobs, ${counts.runs} runs${helpers}`,
        );
        return EXIT.ok;
      }),
    );
}
