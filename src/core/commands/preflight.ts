import { admit } from '../admission/admit.js';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import type { MedicError } from '../model/errors.js';
import { stripControl } from '../model/names.js';
import type { Permission } from '../model/permissions.js';
import type { RecoveryResult } from '../model/result.js';
import { ResultDraft } from '../run/result-draft.js';
import { insertUnstarted } from '../store/audit-store.js';
import type { WorkspaceRow } from '../store/workspace-store.js';
import { findTarget } from './recover.js';
import { rollbackSource } from './rollback.js';

export interface PreflightRequest {
  readonly command: RecoveryResult['command'];
  /** What the requester typed: a workspace, or for a rollback a run id. */
  readonly target: string;
  readonly options: RunOptions;
  /** A lower floor than the rule's permission (an incident's diagnosis asks triage). */
  readonly permission?: Permission;
}

export type Preflight =
  | {
      readonly admitted: true;
      readonly workspace: WorkspaceRow;
      /** Stores the request as a failed run that never started, and returns its result. */
      readonly fail: (error: MedicError) => Promise<RecoveryResult>;
    }
  | { readonly admitted: false; readonly result: RecoveryResult; readonly error: MedicError };

export async function preflight(deps: CoreDeps, request: PreflightRequest): Promise<Preflight> {
  const { command, target, options } = request;
  const started = deps.clock.monotonicMs();
  const draft = ResultDraft.begin(deps.clock, command, options, target);
  const admission = await admit(deps, draft, options, {
    target,
    resolve: async () =>
      command === 'rollback'
        ? (await rollbackSource(deps, target)).workspace
        : findTarget(deps, draft, target),
    ...(request.permission ? { permission: request.permission } : {}),
    brake: false,
  });
  if (!admission.admitted) return admission;
  const { workspace } = admission;
  draft.found(workspace);
  return {
    admitted: true,
    workspace,
    fail: async (error) => {
      draft.fail(error);
      const ms = Math.round(deps.clock.monotonicMs() - started);
      const step = {
        name: 'dispatch',
        status: 'failed' as const,
        ms,
        detail: `${error.code}: ${error.message}`,
      };
      const result = draft.finish([step], deps.clock.now());
      const reason = options.reason ? stripControl(options.reason) : null;
      await insertUnstarted(deps.db, result, workspace.id, reason);
      return result;
    },
  };
}
