import { admit } from '../admission/admit.js';
import { waveEnded } from '../admission/breaker-gate.js';
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { TemplateNotFoundError } from '../model/errors.js';
import { containerName, parseTarget } from '../model/names.js';
import type { RecoveryResult } from '../model/result.js';
import { ResultDraft } from '../run/result-draft.js';
import { Run, type RunEnd } from '../run/run.js';
import { checkBudget } from '../steps/budget-step.js';
import { diagnoseStep } from '../steps/diagnose-step.js';
import { markOnline } from '../steps/mark-step.js';
import { checkPlan, planNow } from '../steps/plan-step.js';
import { reseed } from '../steps/seed-step.js';
import { startAndMarkOnline } from '../steps/start-step.js';
import { resolveTemplate, type Template } from '../steps/template-resolver.js';
import { findWorkspace, setStatusGuarded, type WorkspaceRow } from '../store/workspace-store.js';

export async function recover(deps: CoreDeps, input: string, options: RunOptions): Promise<RecoveryResult> {
  const draft = ResultDraft.begin(deps.clock, 'recover', options, input);
  // Bad input, nothing to act on, or not allowed: nothing is touched, and only a refusal is
  // recorded (as a run).
  const admission = await admit(deps, draft, options, {
    target: input,
    resolve: () => findTarget(deps, draft, input, options.found),
  });
  if (!admission.admitted) return admission.result;
  draft.found(admission.workspace);
  // The engine is asked whether it can act while the run is recorded and leased; the answer
  // is awaited in `diagnose`, as before.
  const engine = deps.runtime.ping();
  engine.catch(() => undefined);
  try {
    const admitted = admission.restore ? { ...options, restore: admission.restore } : options;
    return await Run.execute(deps, draft, admission.workspace, admitted, (run) => runSteps(run, engine));
  } finally {
    // [storm] Counted into its wave, whatever its end (the wave's judge reads the outcome from the trail).
    await waveEnded(deps, admission.ticket ?? null, draft.runId, admission.workspace.id);
  }
}

async function runSteps(run: Run, engine: Promise<void>): Promise<RunEnd> {
  const { options } = run;
  // The template is read from disk while the engine answers `diagnose` (it is needed only to
  // reseed, and costs a few milliseconds of reads when it is not); its step awaits it.
  const reading = readTemplate(run);
  reading.catch(() => undefined);
  const found = await diagnoseStep(run, engine);
  if (found.verdict === 'healthy' && !options.force) {
    if (found.workspace.status === 'online') return 'healthy';
    // Running with its config, but the row says otherwise (say, a run killed between start
    // and mark online left it `failed`): the row is what is wrong, so that is what is fixed.
    if (options.dryRun) {
      await run.skip('mark online', `dry run: would set the row online (it says ${found.workspace.status})`);
      return 'planned';
    }
    await markOnline(run, found);
    return 'recovered';
  }
  await checkBudget(run);

  if (found.verdict === 'stopped' && !options.force) {
    // config.yaml is intact (say, a run that died midway): start it, do not reseed.
    if (options.dryRun) {
      await run.skip('start', `dry run: would start ${found.container} (config intact, no reseed)`);
      return 'planned';
    }
    await startAndMarkOnline(run, found);
    return 'recovered';
  }

  const template = await templateStep(run, reading);
  if (options.dryRun) {
    const { plan, says } = await planNow(run, found, template);
    run.draft.restored(plan);
    await run.skip(
      'plan',
      `dry run: would ${says.join(', then ')} (--plan ${plan.digest} runs exactly this)`,
    );
    return 'planned';
  }
  if (options.plan) await checkPlan(run, found, template);
  await reseed(run, found, template);
  return 'recovered';
}

function readTemplate(run: Run): Promise<Template> {
  const { config } = run.deps;
  return resolveTemplate(run.deps.templates, run.workspace.runtime ?? '', config.templateMaxBytes);
}

async function templateStep(run: Run, reading: Promise<Template>): Promise<Template> {
  const template = await run
    .step('template', async () => {
      const t = await reading;
      return { detail: `${t.name}: ${t.files.length} files, ${t.bytes} bytes, ${t.digest}`, value: t };
    })
    .catch(async (error: unknown) => {
      if (error instanceof TemplateNotFoundError && !run.options.dryRun) {
        run.draft.status(await setStatusGuarded(run.session, run.workspace.id, 'failed'));
      }
      throw error;
    });
  run.draft.usedTemplate(template);
  return template;
}

/** The workspace `input` names; the draft learns its container name first, for a failure's result. */
export async function findTarget(
  deps: CoreDeps,
  draft: ResultDraft,
  input: string,
  found?: WorkspaceRow,
): Promise<WorkspaceRow> {
  const target = parseTarget(input);
  draft.target(target);
  // The row the caller read for this very target is not read again.
  const named = input.toLowerCase();
  if (found && (found.id === named || containerName(found.id) === named)) return found;
  return findWorkspace(deps.db, target);
}
