// diagnose(target) for the doors: resolves the target and reports the workspace's state,
// changing nothing; with the listing of /configs and the marker's content.
import type { CoreDeps } from './deps.js';
import { type Diagnosis, diagnose } from './diagnose.js';
import { parseTarget } from './names.js';
import { findWorkspace } from './workspace-store.js';

export async function diagnoseTarget(deps: CoreDeps, input: string): Promise<Diagnosis> {
  const workspace = await findWorkspace(deps.db, parseTarget(input));
  await deps.runtime.ping();
  return diagnose(deps.runtime, workspace, { list: true });
}
