// [storm] The brake on the automatic paths (docs/operations.md, "Fleet-wide breakage"). Before
// an automatic recovery takes its lease, the database says whether it may start: now, in the
// current wave; after the wave in flight ends (it waits here); or not at all, because the
// breaker of its scope is open or its healing paused (refused BREAKER_OPEN, recorded once per
// workspace per opening). A person's run, or any dry run, is never held back: it says so.
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { BreakerOpenError } from '../model/errors.js';
import type { ResultDraft } from '../run/result-draft.js';
import { emit } from '../run/signals.js';
import { type BreakerDecision, breakerAdmit, breakerDone } from '../store/breaker-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';

/** A recovery admitted into a wave: counted into it when it ends. */
export interface WaveTicket {
  readonly scope: string;
  readonly wave: number;
}

export type BreakerPass =
  | { readonly go: true; readonly ticket: WaveTicket | null }
  | { readonly go: false; readonly refusal: BreakerOpenError; readonly record: boolean };

/** How often a recovery waiting for its wave asks again, and for how long at most. */
const WAVE_POLL_MS = 200;
const WAVE_WAIT_MS = 180_000;

/** Whether the breaker and the waves apply to this run: the unattended paths, not a person. */
export function isAutomatic(options: RunOptions): boolean {
  if (options.dryRun) return false;
  return (
    options.source === 'auto' || options.automatic === true || (options.source === 'api' && !options.force)
  );
}

export async function passBreaker(
  deps: CoreDeps,
  draft: ResultDraft,
  options: RunOptions,
  workspace: WorkspaceRow,
): Promise<BreakerPass> {
  const started = deps.clock.monotonicMs();
  const ms = () => Math.round(deps.clock.monotonicMs() - started);
  if (!isAutomatic(options)) {
    const d = await breakerAdmit(deps.db, workspace.id, true);
    if (d.state !== 'closed') {
      draft.early({
        name: 'breaker',
        status: 'ok',
        ms: ms(),
        detail: `${d.why ?? `the ${d.scope} breaker is ${d.state}`}${countsText(d)}; automatic recoveries wait, a person's run goes ahead`,
      });
    }
    return { go: true, ticket: null };
  }
  const deadline = deps.clock.now().getTime() + WAVE_WAIT_MS;
  for (;;) {
    const d = await breakerAdmit(deps.db, workspace.id, false);
    await announce(deps, d);
    if (d.decision === 'go') {
      if (d.wave === 0) return { go: true, ticket: null };
      draft.early({
        name: 'wave',
        status: 'ok',
        ms: ms(),
        detail: `wave ${d.wave} in ${d.scope} (up to ${d.waveSize} recoveries)`,
      });
      return { go: true, ticket: { scope: d.scope, wave: d.wave } };
    }
    if (d.decision === 'skip') {
      return {
        go: false,
        refusal: new BreakerOpenError(
          `${d.why ?? `the ${d.scope} breaker is ${d.state}`}: no automatic recovery starts there`,
          {
            hint: 'find the common cause, then `medic breaker close --reason TEXT`; a person can still recover it',
          },
        ),
        record: d.firstSkip === true,
      };
    }
    if (options.interrupt?.aborted || deps.clock.now().getTime() >= deadline) {
      return {
        go: false,
        refusal: new BreakerOpenError(
          `${d.why ?? 'waiting for a wave'}: gave up waiting; the next sweep tries again`,
        ),
        record: false,
      };
    }
    await deps.clock.sleep(WAVE_POLL_MS);
  }
}

/** After an admitted run ended: counted into its wave (a failure to count is logged; the wave's timeout covers it). */
export async function waveEnded(
  deps: CoreDeps,
  ticket: WaveTicket | null,
  runId: string,
  workspaceId: string,
): Promise<void> {
  if (!ticket) return;
  await breakerDone(deps.db, ticket, runId, workspaceId).catch((error: unknown) =>
    deps.logger.warn({ runId, err: (error as Error).message }, 'could not count a run into its wave'),
  );
}

/** What this decision opened, closed or paused, told to the sinks (once: only the call that did it says so). */
async function announce(deps: CoreDeps, d: BreakerDecision): Promise<void> {
  for (const event of d.events) {
    const payload = { scope: d.scope, state: d.state, why: d.why ?? null, counts: d.counts };
    deps.logger.warn({ scope: d.scope, event, counts: d.counts }, `breaker: ${event} in ${d.scope}`);
    await emit(deps, event, payload, null);
  }
}

function countsText(d: BreakerDecision): string {
  const c = d.counts;
  return c.broken !== undefined && c.total !== undefined
    ? ` (${c.broken} of ${c.total} broken, limit ${c.limit})`
    : '';
}
