// The `seed` step and the change it closes: stop, snapshot what the volume holds, seed what is
// missing from the template (or a last good copy) with its .provisioned marker (restore-plan.ts:
// the user's files are kept), then start. If the container was stopped and could not be brought
// back, the row is set to `failed` so that it tells the truth.
import { PlanChangedError } from '../model/errors.js';
import type { ConfigFile } from '../model/ports.js';
import type { TarEntry } from '../model/tar-read.js';
import type { Run } from '../run/run.js';
import { type Diagnosis, MARKER_FILE, type ProvisionedMarker } from './diagnose.js';
import { markFailed } from './mark-step.js';
import { holdToPlan, planRestore, planSummary, type RestorePlan } from './restore-plan.js';
import { describeSource, type SeedSource, seedSource } from './seed-source.js';
import { settleAfterFailure } from './settle-step.js';
import { keepSnapshot } from './snapshot-step.js';
import { startAndMarkOnline } from './start-step.js';
import { stopIfRunning } from './stop-step.js';
import type { Template } from './template-resolver.js';

export async function reseed(run: Run, found: Diagnosis, template: Template): Promise<void> {
  const { runtime } = run.deps;
  const name = found.container;
  // The read for the snapshot begins beside the stop; the `snapshot` step uses it only if the
  // volume provably did not change until the container had stopped (else it reads again).
  const ahead = found.state?.running
    ? runtime.readAhead?.(found.state, run.deps.config.snapshotMaxBytes)
    : null;
  try {
    await stopIfRunning(run, found);
  } catch (error) {
    await ahead?.discard();
    throw error;
  }
  try {
    const volume = await keepSnapshot(run, found, ahead ?? null);
    await run.change('seed', async () => {
      const { plan, source } = await planFor(run, found, template, volume);
      run.draft.restored(plan);
      // Bound to a dry run's plan: what the stop left must still be what was planned.
      holdToPlan(run.options.plan, found.volume, plan);
      if (plan.writes.length > 0) await runtime.writeConfigs(name, plan.writes);
      return { detail: `${planSummary(plan)} from ${describeSource(source, template)}`, value: undefined };
    });
  } catch (error) {
    // Nothing was written: the container runs again as it was, its row says what is true.
    if (error instanceof PlanChangedError) await settleAfterFailure(run, found);
    else await markFailed(run, found);
    throw error;
  }
  await startAndMarkOnline(run, found);
}

/**
 * What a seed would write into this volume: from the last good copy or the template (or the
 * template over the user's files, asked), planned file by file. The dry run and the seed both ask.
 */
export async function planFor(
  run: Run,
  found: Diagnosis,
  template: Template,
  volume: ReadonlyMap<string, TarEntry>,
): Promise<{ readonly plan: RestorePlan; readonly source: SeedSource }> {
  const overwrite = overwrites(run, found);
  const source = await seedSource(run, template, overwrite);
  const seed = seedFiles(run, template, run.deps.clock.now(), source.files);
  return { plan: planRestore(seed, volume, { overwrite, from: source.from }), source };
}

/** The files to seed (the template's or a last good copy's) and the `.provisioned` marker this run would write. */
export function seedFiles(
  run: Run,
  template: Template,
  now: Date,
  files: readonly ConfigFile[],
): ConfigFile[] {
  const marker: ProvisionedMarker = {
    template: template.name,
    digest: template.digest,
    runId: run.id,
    time: now.toISOString(),
  };
  return [
    ...files.filter((f) => f.path !== MARKER_FILE),
    { path: MARKER_FILE, content: Buffer.from(`${JSON.stringify(marker)}\n`), mode: 0o644 },
  ];
}

/**
 * Whether the template is written over the user's files: asked for (`from: template`), or a
 * forced reseed of a workspace whose config is there (what `--force` on a healthy workspace
 * has always meant; its snapshot undoes it). Else the volume's files are kept.
 */
export function overwrites(run: Run, found: Diagnosis): boolean {
  return run.options.from === 'template' || (run.options.force === true && found.configPresent);
}
