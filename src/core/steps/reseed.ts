// The steps that change things: stop, snapshot what the volume holds, seed what is missing from
// the template with its .provisioned marker (restore-plan.ts: the user's files are kept), start,
// wait, mark online. If the container was stopped and could
// not be brought back, the row is set to `failed` so that it tells the truth.
import { PlanChangedError, SnapshotTooLargeError, StatusChangedError } from '../model/errors.js';
import type { ConfigFile, ConfigsExport, ReadAhead } from '../model/ports.js';
import { readTarEntries, type TarEntry } from '../model/tar-read.js';
import type { Run } from '../run/run.js';
import { saveSnapshot } from '../store/snapshot-store.js';
import { setStatusGuarded } from '../store/workspace-store.js';
import { type Diagnosis, MARKER_FILE, type ProvisionedMarker } from './diagnose.js';
import { holdToPlan, planRestore, planSummary, type RestorePlan, volumeFiles } from './restore-plan.js';
import { describeSource, type SeedSource, seedSource } from './seed-source.js';
import type { Template } from './template-resolver.js';
import { waitRunning } from './wait-running.js';

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

export async function startAndMarkOnline(run: Run, found: Diagnosis): Promise<void> {
  const { deps } = run;
  const name = found.container;
  try {
    await run.change('start', async () => {
      await deps.runtime.start(name);
      return { detail: `started ${name}`, value: undefined };
    });
    await run.step('wait', async () => {
      const state = await waitRunning(deps.runtime, deps.clock, name, deps.config.startTimeoutS);
      return { detail: state, value: undefined };
    });
  } catch (error) {
    await markFailed(run, found);
    throw error;
  }
  await markOnline(run, found);
}

/** Sets the row online unless the platform parked the workspace meanwhile (STATUS_CHANGED). */
export async function markOnline(run: Run, found: Diagnosis): Promise<void> {
  await run.change('mark-online', async () => {
    const after = await setStatusGuarded(run.session, found.workspace.id, 'online');
    run.draft.status(after);
    if (after !== 'online') {
      throw new StatusChangedError(`workspace became ${after} during the run; its status was left as is`, {
        hint: 'the workspace is running; stop it if the platform parked it on purpose',
      });
    }
    return { detail: `status ${found.workspace.status} -> online`, value: undefined };
  });
}

/** The `stop` step, skipped when the container was not running. */
export async function stopIfRunning(run: Run, found: Diagnosis): Promise<void> {
  const { runtime, config } = run.deps;
  const name = found.container;
  if (found.state?.running) {
    await run.change('stop', async () => {
      await runtime.stop(name, config.stopTimeoutS);
      return { detail: `stopped ${name}`, value: undefined };
    });
  } else {
    await run.skip('stop', `${name} was not running`);
  }
}

/**
 * The `snapshot` step: what the volume holds now, kept in Postgres under this run (so it can
 * be rolled back); an empty volume is a skipped step. What the volume held once the container
 * had stopped, so nothing written while the agent shut down is missed: the read begun beside
 * the stop when it is confirmed to still hold, else one read now.
 */
export async function keepSnapshot(
  run: Run,
  found: Diagnosis,
  ahead: ReadAhead | null = null,
): Promise<Map<string, TarEntry>> {
  const snapshot = await run.step('snapshot', async () => {
    const early = ahead ? await ahead.settle() : null;
    const { tar, entries } = early ?? (await exportVolume(run, found));
    if (entries === 0) {
      const when = early ? ' (read while it stopped, unchanged since)' : '';
      return { detail: `${found.volume} is empty${when}`, value: null, skipped: true };
    }
    const digest = await saveSnapshot(run.session, run.id, found.workspace.id, tar, run.deps.config.dataKeys);
    return {
      detail: `${entries} entries, ${tar.length} bytes, ${digest}`,
      value: { digest, bytes: tar.length, tar },
    };
  });
  run.draft.keptSnapshot(snapshot && { digest: snapshot.digest, bytes: snapshot.bytes });
  return snapshot ? volumeFiles(await readVolume(snapshot.tar)) : new Map();
}

/** What /configs holds, as a tar, within the snapshot's cap (SNAPSHOT_TOO_LARGE past it). */
export function exportVolume(run: Run, found: Diagnosis): Promise<ConfigsExport> {
  const { runtime, config } = run.deps;
  return runtime.exportConfigs(found.container, config.snapshotMaxBytes).catch((error: unknown) => {
    if (error instanceof RangeError) {
      throw new SnapshotTooLargeError(`${found.volume} holds more than ${config.snapshotMaxBytes} bytes`, {
        hint: 'raise MEDIC_SNAPSHOT_MAX_BYTES; medic does not seed over what it cannot keep',
      });
    }
    throw error;
  });
}

/** The entries of a volume's export, with their bytes (already bounded by the snapshot's cap). */
export function readVolume(tar: Buffer): Promise<TarEntry[]> {
  return readTarEntries(tar, { maxEntries: Math.ceil(tar.length / 512) + 1, keepContent: () => true });
}

/**
 * After a rollback failed midway: the container is started again (the previous content is in
 * place) and the row says what is true: online when it runs with its config, else failed.
 */
export async function settleAfterFailure(run: Run, found: Diagnosis): Promise<void> {
  const { runtime } = run.deps;
  await run
    .step('settle', async () => {
      await runtime.start(found.container).catch(() => undefined);
      const state = await runtime.inspect(found.container).catch(() => null);
      const config = state?.running
        ? await runtime.statConfig(found.container, 'config.yaml').catch(() => null)
        : null;
      const truth = state?.running && config === 'file' ? 'online' : 'failed';
      run.draft.status(await setStatusGuarded(run.session, found.workspace.id, truth));
      return {
        detail: `${found.container} ${state?.running ? 'running' : 'not running'}; status ${truth}`,
        value: undefined,
      };
    })
    .catch(() => undefined); // the run's own error is the one that explains it
}

async function markFailed(run: Run, found: Diagnosis): Promise<void> {
  const after = await setStatusGuarded(run.session, found.workspace.id, 'failed').catch(() => null);
  if (after) run.draft.status(after);
}
