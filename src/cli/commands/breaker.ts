// medic breaker [--json]: each scope's breaker (open, paused or closed), what it counted, the
// wave in flight and the workspaces it skipped; medic breaker close [--scope S] --reason TEXT:
// an operator closes it (or resumes paused healing), recorded with who and why.
import type { Command } from 'commander';
import { type Breaker, breakers, type CoreDeps, closeBreaker, containerName } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** One line per breaker, then its skipped workspaces indented: `medic breaker` and `medic status`. */
export function breakerLines(list: readonly Breaker[]): string[] {
  const lines: string[] = [];
  for (const b of list) {
    const c = b.counts;
    const counted = c?.broken !== undefined ? ` (${c.broken} of ${c.total} broken, limit ${c.limit})` : '';
    if (b.state === 'open') {
      lines.push(
        `breaker ${b.scope}: OPEN since ${b.openedAt?.toISOString()}${counted}; ${b.skipped} automatic recoveries skipped${b.underSince ? `; under the limit since ${b.underSince.toISOString()}` : ''}`,
      );
    } else if (b.state === 'paused') {
      lines.push(
        `breaker ${b.scope}: PAUSED since ${b.openedAt?.toISOString()} (wave ${c?.wave}: ${c?.waveFailed} of ${c?.waveDone} failed); ${b.skipped} automatic recoveries skipped`,
      );
    } else {
      const wave = b.wave
        ? `; wave ${b.wave.n} (${b.wave.ended} of ${b.wave.started} ended, up to ${b.wave.size})`
        : '';
      const closed = b.closed
        ? `; last closed ${b.closed.at.toISOString()} by ${b.closed.by}: ${b.closed.reason}`
        : '';
      lines.push(`breaker ${b.scope}: closed${wave}${closed}`);
    }
    for (const s of b.skips) lines.push(`  skipped ${containerName(s.workspaceId)} ×${s.times}: ${s.why}`);
  }
  return lines;
}

export function registerBreaker(program: Command, cli: CliSession): void {
  const breaker = program
    .command('breaker')
    .description(
      "the fleet's brake: each scope's breaker, the wave in flight and the workspaces it skipped (policy autoheal: max_unhealthy, scope, close_after, canary, max_failure_ratio)",
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      helpFooter(['medic breaker', 'medic breaker close --reason "NFS mount restored"'], CORE_ENV),
    )
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps: CoreDeps) => {
        const list = await breakers(deps);
        if (o.json) cli.io.out(JSON.stringify(list));
        else if (list.length === 0) cli.io.out('no breaker has counted yet: nothing automatic was held back');
        else for (const l of breakerLines(list)) cli.io.out(l);
        return EXIT.ok;
      }),
    );
  breaker
    .command('close')
    .description(
      'close an open breaker, or resume healing paused after a failed wave (recorded, with your reason): the workspaces broken now heal in waves and no longer count towards opening it again',
    )
    .option(
      '--scope <scope>',
      'fleet, engine:<name>, runtime:<name> or class:<name> (default: every open or paused one)',
    )
    .requiredOption('--reason <text>', 'why it is safe to heal again: recorded and sent with breaker.closed')
    .addOption(jsonOption())
    .action(async (o: { scope?: string; reason: string; json?: boolean }) =>
      cli.withCore(async (deps: CoreDeps) => {
        const closed = await closeBreaker(deps, {
          scope: o.scope ?? null,
          by: cli.ctx.actor,
          reason: o.reason,
        });
        if (o.json) cli.io.out(JSON.stringify(closed));
        else if (closed.length === 0)
          cli.io.err(`medic: breaker: none ${o.scope ? `in ${o.scope} ` : ''}is open or paused`);
        for (const c of o.json ? [] : closed) {
          cli.io.out(
            `breaker ${c.scope}: closed (was ${c.was}, ${c.skipped} skipped); its ${c.failed} failed workspaces heal in waves`,
          );
        }
        return EXIT.ok;
      }),
    );
}
