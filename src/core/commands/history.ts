// history(target): a workspace's runs, newest first, each with its steps.
import type { CoreDeps } from '../model/deps.js';
import { parseTarget } from '../model/names.js';
import { type HistoryEntry, workspaceHistory } from '../store/audit-store.js';
import { findWorkspace } from '../store/workspace-store.js';

export async function history(deps: CoreDeps, target: string, limit = 50): Promise<HistoryEntry[]> {
  const workspace = await findWorkspace(deps.db, parseTarget(target));
  return workspaceHistory(deps.db, workspace.id, limit);
}
