// medic status [--json]: the fleet at a glance: engines and their agents, failed workspaces,
// recent runs. Read-only.
import type { Command } from 'commander';
import {
  type BudgetView,
  describeHold,
  holdSubject,
  SINK_TRIP_AFTER,
  stripControl,
  type Undelivered,
} from '../../core/index.js';
import type { FleetStatus } from '../../engines/fleet-status.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { outcome } from '../render.js';
import { paint } from '../terminal.js';
import { breakerLines } from './breaker.js';

export function registerStatus(program: Command, cli: CliSession): void {
  program
    .command('status')
    .description(
      'show the fleet: engines (agent alive, last heartbeat, placed, tasks), failed workspaces with their restart budget (and whether they flap), sinks not delivered to (and their circuit), recent runs',
    )
    .addHelpText('after', helpFooter(['medic status', 'medic status --json | jq .engines'], CORE_ENV))
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const { fleetStatus } = await import('../../engines/fleet-status.js');
        const status = await fleetStatus(deps.db, deps.config.restartBudget, deps.config.regressionWindowMs);
        if (o.json) cli.io.out(JSON.stringify(status));
        else for (const line of statusLines(status, deps.clock.now())) cli.io.out(line);
        return EXIT.ok;
      }),
    );
}

/** "budget 1/3 per 1h, frees in 40m", or "budget spent (3/3 per 1h), frees in 12m". */
export function budgetLine(b: BudgetView, now: Date): string {
  const frees = b.frees
    ? `, frees in ${Math.max(1, Math.ceil((Date.parse(b.frees) - now.getTime()) / 60_000))}m`
    : '';
  return b.used >= b.max
    ? paint('failed', `budget spent (${b.used}/${b.max} per ${b.window})${frees}`)
    : `budget ${b.used}/${b.max} per ${b.window}${frees}`;
}

/** A sink failing SINK_TRIP_AFTER times in a row is paused by every notifier: its circuit is open. */
const circuit = (u: Undelivered) =>
  u.failingInARow >= SINK_TRIP_AFTER
    ? `; ${paint('failed', 'circuit open')} (${u.failingInARow} failures in a row: paused, tried again after 30 s, then longer)`
    : u.failingInARow > 0
      ? `; ${u.failingInARow} failures in a row`
      : '';

export function statusLines(status: FleetStatus, now: Date): string[] {
  const ago = (iso: string) => `${Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000))}s ago`;
  const engines =
    status.engines.length === 0
      ? ['  none: no `medic agent` has registered (single-host mode)']
      : status.engines.map(
          (e) =>
            `  ${e.name.padEnd(16)} ${e.alive ? paint('ok', 'alive') : paint('failed', 'gone ')}  heartbeat ${ago(e.lastHeartbeat).padEnd(9)} ${String(e.placed).padStart(5)} placed ${String(e.queued).padStart(4)} queued ${String(e.running).padStart(3)} running  ${paint('dim', e.agent)}`,
        );
  const retrying = status.retrying.map(
    (t) =>
      `  task ${t.id} ${t.target} on ${t.engine}: ${t.attempts} attempts${t.reclaims > 0 ? ` (${t.reclaims} after its agent died)` : ''}, next try in ${Math.max(0, Math.round((Date.parse(t.nextTry) - now.getTime()) / 1000))}s${t.why ? `: ${stripControl(t.why)}` : ''}`,
  );
  const failed =
    status.failed.length === 0
      ? ['  none']
      : status.failed.map(
          (w) =>
            `  ${w.container}  ${(w.runtime ?? '?').padEnd(12)} ${w.engine ? `on ${w.engine}` : status.engines.length > 0 ? paint('warn', 'not placed') : 'single host'}  ${budgetLine(w.budget, now)}${w.flapping ? `  ${paint('warn', `flapping (broke again ${w.flapping.regressions} times soon after a recovery): left to a person`)}` : ''}`,
        );
  const runs =
    status.recent.length === 0
      ? ['  none']
      : status.recent.map(
          (r) =>
            `  ${r.started_at.toISOString()}  ${r.command.padEnd(8)} ${outcome(r.outcome ?? r.state)}${r.error_code ? ` ${r.error_code}` : ''}  by ${r.actor} via ${r.source}  run ${r.run_id}`,
        );
  const holds = status.holds.map((h) => `  ${holdSubject(h)}: ${describeHold(h)}`);
  const unsent = status.undelivered.map(
    (u) =>
      `  sink ${u.sink} (${u.kind}, $${u.urlEnv}): ${u.pending} pending, ${u.failed} given up since ${u.oldest.toISOString()}${circuit(u)}${u.lastError ? `; last: ${stripControl(u.lastError)}` : ''}`,
  );
  return [
    'engines',
    ...engines,
    ...(status.breakers.length > 0
      ? ['breakers', ...breakerLines(status.breakers).map((l) => `  ${l}`)]
      : []),
    ...(holds.length > 0 ? [`holds (${holds.length})`, ...holds] : []),
    ...(status.atRisk.length > 0
      ? [
          `at risk (${status.atRisk.length}): lost files their last good copy had`,
          ...status.atRisk.map(
            (r) =>
              `  ${r.container}  since ${r.since.toISOString()}  lost ${r.missing
                .slice(0, 5)
                .map((m) => stripControl(m))
                .join(', ')}`,
          ),
        ]
      : []),
    ...(unsent.length > 0 ? ['notifications not delivered', ...unsent] : []),
    ...(retrying.length > 0 ? [`tasks to be tried again (${retrying.length})`, ...retrying] : []),
    `failed workspaces (${status.failed.length})`,
    ...failed,
    'recent runs',
    ...runs,
  ];
}
