// history(target): a workspace's runs, newest first, each with its steps. Asked by an HTTP API
// client, the policy is checked first (its `diagnose`), and a refusal recorded and thrown.

import { admit } from '../admission/admit.js';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { parseTarget } from '../model/names.js';
import { ResultDraft } from '../run/result-draft.js';
import { type HistoryEntry, workspaceHistory } from '../store/audit-store.js';
import { findWorkspace, type WorkspaceRow } from '../store/workspace-store.js';

export async function history(
  deps: CoreDeps,
  target: string,
  limit = 50,
  request?: Pick<RunOptions, 'actor' | 'source' | 'client'>,
): Promise<HistoryEntry[]> {
  const resolve = () => findWorkspace(deps.db, parseTarget(target));
  let workspace: WorkspaceRow;
  if (request?.client) {
    const draft = ResultDraft.begin(deps.clock, 'diagnose', request, target);
    const admission = await admit(deps, draft, request, { target, resolve });
    if (!admission.admitted) throw admission.error;
    workspace = admission.workspace;
  } else {
    workspace = await resolve();
  }
  return workspaceHistory(deps.db, workspace.id, limit);
}
