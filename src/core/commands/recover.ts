// recover(target): DESIGN.md's steps 1-9. Finds the workspace, takes its lease, diagnoses it,
// and then does the least that brings it back: nothing if healthy, a start if only stopped,
// else stop, snapshot, seed from the runtime's template with a .provisioned marker, start,
// wait, mark online. Each step is timed and appended to the audit trail as it ends.
import { randomUUID } from 'node:crypto';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import {
  ConfigMountMissingError,
  ContainerNotFoundError,
  RestartBudgetExceededError,
  StatusNotRecoverableError,
  TemplateNotFoundError,
} from '../model/errors.js';
import { parseTarget } from '../model/names.js';
import type { Queryable } from '../model/ports.js';
import type { RecoveryResult } from '../model/result.js';
import { leasedRun } from '../run/leased-run.js';
import { ResultDraft } from '../run/result-draft.js';
import type { RunRecorder } from '../run/run-recorder.js';
import { type Diagnosis, describe, diagnose } from '../steps/diagnose.js';
import { reseed, startAndMarkOnline } from '../steps/reseed.js';
import { resolveTemplate } from '../steps/template-resolver.js';
import { countRecentRecoveries } from '../store/audit-store.js';
import { findWorkspace, setStatusGuarded, type WorkspaceRow } from '../store/workspace-store.js';

export async function recover(deps: CoreDeps, input: string, options: RunOptions): Promise<RecoveryResult> {
  const draft = new ResultDraft(randomUUID(), 'recover', options, deps.clock.now(), input);
  let workspace: WorkspaceRow;
  try {
    const target = parseTarget(input);
    draft.target(target);
    workspace = await findWorkspace(deps.db, target);
  } catch (error) {
    // Bad input, or nothing to act on: no run is recorded and nothing is touched.
    draft.fail(error);
    return draft.finish([], deps.clock.now());
  }
  draft.found(workspace);
  return leasedRun(deps, draft, workspace, options, (session, recorder) =>
    runSteps(deps, session, recorder, draft, workspace, options),
  );
}

async function runSteps(
  deps: CoreDeps,
  session: Queryable,
  recorder: RunRecorder,
  draft: ResultDraft,
  workspace: WorkspaceRow,
  options: RunOptions,
): Promise<void> {
  const { runtime, config } = deps;
  const found = await recorder.step('diagnose', async () => {
    await runtime.ping();
    const d = await diagnose(runtime, workspace);
    return { detail: describe(d), value: d };
  });
  refuseUnactionable(found);
  if (found.verdict === 'healthy' && !options.force) {
    draft.outcome = 'healthy';
    return;
  }
  await checkBudget(deps, session, recorder, workspace.id, options.force ?? false);

  if (found.verdict === 'stopped' && !options.force) {
    // config.yaml is intact (say, a run that died midway): start it, do not reseed.
    if (options.dryRun) {
      await recorder.skip('start', `dry run: would start ${found.container} (config intact, no reseed)`);
      draft.outcome = 'planned';
      return;
    }
    await startAndMarkOnline(deps, session, recorder, draft, found);
    draft.outcome = 'recovered';
    return;
  }

  const template = await recorder
    .step('template', async () => {
      const t = await resolveTemplate(config.configsDir, workspace.runtime ?? '', config.templateMaxBytes);
      return { detail: `${t.name}: ${t.files.length} files, ${t.bytes} bytes, ${t.digest}`, value: t };
    })
    .catch(async (error: unknown) => {
      if (error instanceof TemplateNotFoundError && !options.dryRun) {
        draft.status(await setStatusGuarded(session, workspace.id, 'failed'));
      }
      throw error;
    });
  draft.template = { name: template.name, digest: template.digest };

  if (options.dryRun) {
    const plan = [
      found.state?.running ? `stop ${found.container}` : null,
      (await runtime.listConfigs(found.container)).length > 0 ? `snapshot what ${found.volume} holds` : null,
      `seed ${template.files.length} files from ${template.name} and write .provisioned`,
      `start ${found.container}`,
      'mark online',
    ].filter((s): s is string => s !== null);
    await recorder.skip('plan', `dry run: would ${plan.join(', then ')}`);
    draft.outcome = 'planned';
    return;
  }
  await reseed(deps, session, recorder, draft, found, template);
  draft.outcome = 'recovered';
}

function refuseUnactionable(d: Diagnosis): void {
  if (d.verdict === 'not-recoverable') {
    throw new StatusNotRecoverableError(
      `workspace ${d.container} is ${d.workspace.status}; medic does not touch it`,
      {
        hint: 'the platform parked it on purpose; change its status there first',
      },
    );
  }
  if (d.verdict === 'no-container') {
    if (!d.state) {
      throw new ContainerNotFoundError(`container ${d.container} does not exist`, {
        hint: 'medic recovers existing containers; re-provision the workspace from the platform',
      });
    }
    throw new ConfigMountMissingError(`container ${d.container} has no named volume mounted at /configs`);
  }
}

async function checkBudget(
  deps: CoreDeps,
  session: Queryable,
  recorder: RunRecorder,
  id: string,
  force: boolean,
) {
  const budget = deps.config.restartBudget;
  await recorder.step('budget', async () => {
    const used = await countRecentRecoveries(session, id, budget.windowMs);
    const text = `${used} of ${budget.max} recoveries used in the last ${budget.text.split('/')[1]}`;
    if (used < budget.max) return { detail: text, value: undefined };
    if (force) return { detail: `${text}; over budget, overridden by --force`, value: undefined };
    throw new RestartBudgetExceededError(`${text}; this workspace keeps breaking`, {
      hint: 'find why it keeps losing its config; --force recovers it anyway',
    });
  });
}
