// medic chores [--chore NAME] [--limit N] [--json]: the scheduled chores' trail (medic.chores):
// for each period a chore did something in, which process ran it, how many attempts it took,
// and what it did or why it failed.
import type { Command } from 'commander';
import { type ChoreRow, choreTrail } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption, positiveInt } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** One line per row: period, chore, state, by whom, and what it did or why it failed. */
export function choreLines(rows: readonly ChoreRow[]): string[] {
  return rows.map((r) => {
    const by = r.worker ? ` by ${r.worker}` : '';
    const tries = r.attempts > 1 ? ` (${r.attempts} attempts)` : '';
    const what = r.error ? `failed: ${r.error}` : (r.outcome ?? 'nothing to do');
    return `${r.period}  ${r.name}  ${r.state}${by}${tries}: ${r.state === 'running' ? 'under way' : what}`;
  });
}

export function registerChores(program: Command, cli: CliSession): void {
  program
    .command('chores')
    .description(
      "the scheduled chores' trail (the daily prune, the app's expiry of requests for approval and reopening of regressed incidents): each run once per period of all the processes; who ran it, and what it did or why it failed",
    )
    .option('--chore <name>', 'only this chore (prune, expire-approvals, reopen-regressions)')
    .option('--limit <n>', 'at most this many rows, newest first', positiveInt, 30)
    .addOption(jsonOption())
    .addHelpText('after', helpFooter(['medic chores', 'medic chores --chore prune --json'], CORE_ENV))
    .action(async (o: { chore?: string; limit: number; json?: boolean }) =>
      cli.withCore(async (deps) => {
        const rows = await choreTrail(deps.db, o.chore ?? null, o.limit);
        if (o.json) for (const r of rows) cli.io.out(JSON.stringify(r));
        else if (rows.length === 0) cli.io.out('no chore has run yet');
        else for (const l of choreLines(rows)) cli.io.out(l);
        return EXIT.ok;
      }),
    );
}
