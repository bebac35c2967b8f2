// The `lease` step: takes the workspace's lease for the length of `body`, records who held it
// or whose lapsed lease was taken over, and releases it however `body` ends.

import type { CoreDeps } from '../model/deps.js';
import { MedicError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';
import { markAbandoned } from '../store/audit-store.js';
import { acquireLease, releaseLease } from './lease.js';
import type { RunRecorder } from './run-recorder.js';

export class LeaseHeldError extends MedicError {
  readonly code = 'LEASE_HELD';
  constructor(
    readonly holderRunId: string,
    holder: string,
  ) {
    super(`another run (${holderRunId}, ${holder}) is recovering this workspace`, {
      hint: 'wait for it to finish; its lease lapses if its process died',
    });
  }
}

export async function withLease(
  deps: CoreDeps,
  session: Queryable,
  recorder: RunRecorder,
  workspaceId: string,
  runId: string,
  body: () => Promise<void>,
): Promise<void> {
  await recorder.step('lease', async () => {
    const attempt = await acquireLease(session, workspaceId, runId, deps.holder, deps.config.leaseTtlS);
    if (!attempt.acquired) throw new LeaseHeldError(attempt.heldBy.runId, attempt.heldBy.holder);
    if (attempt.tookOverFrom) await markAbandoned(session, attempt.tookOverFrom);
    const detail = attempt.tookOverFrom
      ? `took over the lapsed lease of run ${attempt.tookOverFrom} (its holder is gone or it expired)`
      : `held by ${deps.holder} for up to ${deps.config.leaseTtlS}s`;
    return { detail, value: undefined };
  });
  recorder.holdLease();
  try {
    await body();
  } finally {
    await releaseLease(session, runId).catch((error: unknown) =>
      // The lease lapses by itself (session gone or TTL); the run's result matters more.
      deps.logger.warn({ runId, err: (error as Error).message }, 'could not release lease; it will lapse'),
    );
  }
}
