// [keep] A plan before any change: the volume read as the snapshot would read it, planned file
// by file as the seed would plan it. A dry run shows it (the result's `restore`, with its
// digest); a run given that digest (`plan`) checks it here first, before the stop, and refuses
// with PLAN_CHANGED when the volume changed since (the seed checks once more after the stop).
import type { Run } from '../run/run.js';
import type { Diagnosis } from './diagnose.js';
import { holdToPlan, planSummary, type RestorePlan, volumeFiles } from './restore-plan.js';
import { describeSource } from './seed-source.js';
import { planFor } from './seed-step.js';
import { exportVolume, readVolume } from './snapshot-step.js';
import type { Template } from './template-resolver.js';

/** The plan for the volume as it is now, and what the dry run says it would do. */
export async function planNow(
  run: Run,
  found: Diagnosis,
  template: Template,
): Promise<{ plan: RestorePlan; says: string[] }> {
  const { tar, entries } = await exportVolume(run, found);
  const volume = entries > 0 ? volumeFiles(await readVolume(tar)) : new Map();
  const { plan, source } = await planFor(run, found, template, volume);
  const says = [
    found.state?.running ? `stop ${found.container}` : null,
    entries > 0 ? `snapshot what ${found.volume} holds` : null,
    `seed ${planSummary(plan)} from ${describeSource(source, template)}`,
    `start ${found.container}`,
    'mark online',
  ].filter((s): s is string => s !== null);
  return { plan, says };
}

/** The `plan` step of a run bound to a plan: checked before anything changes. */
export async function checkPlan(run: Run, found: Diagnosis, template: Template): Promise<void> {
  await run.step('plan', async () => {
    const { plan } = await planNow(run, found, template);
    holdToPlan(run.options.plan, found.volume, plan);
    return { detail: `the volume is as planned (${plan.digest.slice(0, 19)})`, value: undefined };
  });
}
