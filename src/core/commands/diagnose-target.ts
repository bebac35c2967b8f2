// diagnose(target) for the doors: resolves the target and reports the workspace's state,
// changing nothing; with the listing of /configs and the marker's content.
import type { CoreDeps } from '../model/deps.js';
import { parseTarget } from '../model/names.js';
import { type Diagnosis, diagnose } from '../steps/diagnose.js';
import { findWorkspace } from '../store/workspace-store.js';

export async function diagnoseTarget(deps: CoreDeps, input: string): Promise<Diagnosis> {
  const workspace = await findWorkspace(deps.db, parseTarget(input));
  await deps.runtime.ping();
  return diagnose(deps.runtime, workspace, { list: true });
}
