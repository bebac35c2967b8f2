// diagnose(target) for the doors: resolves the target and reports the workspace's state,
// changing nothing. `list` reads /configs for the listing and the marker's content (the CLI's
// and /diagnose's view); without it, file status only. From GitHub (a grant), the policy is
// checked first and a refusal is recorded and thrown.

import { admit } from '../admission/admit.js';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { parseTarget } from '../model/names.js';
import type { Permission } from '../model/permissions.js';
import { ResultDraft } from '../run/result-draft.js';
import { type Diagnosis, diagnose } from '../steps/diagnose.js';
import { budgetView, recentRecoveries } from '../store/audit-store.js';
import { findWorkspace, type WorkspaceRow } from '../store/workspace-store.js';

export interface DiagnoseOptions {
  readonly list?: boolean;
  /** Who asks, from where: with a grant, the policy is checked and a refusal recorded. */
  readonly request?: Pick<RunOptions, 'actor' | 'source' | 'grant' | 'client'>;
  /** The least permission (default the rule's); an incident's automatic diagnosis asks triage. */
  readonly permission?: Permission;
}

export async function diagnoseTarget(
  deps: CoreDeps,
  input: string,
  options: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const resolve = () => findWorkspace(deps.db, parseTarget(input));
  let workspace: WorkspaceRow;
  if (options.request?.grant || options.request?.client) {
    const draft = ResultDraft.begin(deps.clock, 'diagnose', options.request, input);
    const admission = await admit(deps, draft, options.request, {
      target: input,
      resolve,
      ...(options.permission ? { permission: options.permission } : {}),
    });
    if (!admission.admitted) throw admission.error;
    workspace = admission.workspace;
  } else {
    workspace = await resolve();
  }
  await deps.runtime.ping();
  const [found, use] = await Promise.all([
    diagnose(deps.runtime, workspace, { list: options.list ?? true }),
    recentRecoveries(deps.db, workspace.id, deps.config.restartBudget.windowMs),
  ]);
  return { ...found, budget: budgetView(use, deps.config.restartBudget) };
}
