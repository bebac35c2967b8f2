// A refusal's result: stored as a run that never started (tied to its workspace when there is
// one), or, for a skip already on the record, only returned.
import type { CoreDeps } from '../model/deps.js';
import type { RefusalError } from '../model/errors.js';
import { stripControl } from '../model/names.js';
import type { RecoveryResult } from '../model/result.js';
import type { ResultDraft } from '../run/result-draft.js';
import { insertUnstarted } from '../store/audit-store.js';

export interface RefusalTie {
  readonly workspaceId: string | null;
  readonly ms: number;
  readonly step?: string;
}

/** A refusal's result, not stored. */
export function unrecorded(
  deps: CoreDeps,
  draft: ResultDraft,
  error: RefusalError,
  tie: RefusalTie,
): RecoveryResult {
  draft.refuse(error);
  const step = {
    name: tie.step ?? 'policy',
    status: 'failed' as const,
    ms: tie.ms,
    detail: `${error.code}: ${error.message}`,
  };
  return draft.finish([step], deps.clock.now());
}

export async function refuse(
  deps: CoreDeps,
  draft: ResultDraft,
  error: RefusalError,
  tie: RefusalTie,
): Promise<RecoveryResult> {
  const { workspaceId } = tie;
  const result = unrecorded(deps, draft, error, tie);
  await insertUnstarted(
    deps.db,
    result,
    workspaceId,
    draft.options.reason ? stripControl(draft.options.reason) : null,
  );
  deps.logger.info(
    {
      runId: result.runId,
      command: result.command,
      actor: result.actor,
      origin: result.origin,
      code: error.code,
    },
    'command refused',
  );
  return result;
}
