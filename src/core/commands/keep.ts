// [keep] Last good copies: a workspace seen healthy (its row online, its container running
// and healthy, config.yaml a readable YAML mapping) for MEDIC_KEEP_AFTER has its config volume
// copied, when its content changed since its last copy. The watcher and every agent look at
// the workspaces due (one look each MEDIC_KEEP_EVERY) at each sweep; `medic keep` lists them.
import type { CoreDeps } from '../model/deps.js';
import { containerName } from '../model/names.js';
import type { ConfigFile } from '../model/ports.js';
import type { RecoveryResult } from '../model/result.js';
import { emit } from '../run/signals.js';
import { MARKER_FILE } from '../steps/diagnose.js';
import { isBrokenConfig, volumeFiles } from '../steps/restore-plan.js';
import { readVolume } from '../steps/snapshot-step.js';
import {
  clearAtRisk,
  dueForLook,
  markAtRisk,
  markFullLook,
  markLooked,
  rowForLook,
} from '../store/keep-look-store.js';
import { type KeptCopy, latestCopy, storeCopy } from '../store/keep-store.js';
import { healAtRisk } from './heal-at-risk.js';
import { fingerprintNow, unchangedSinceFullRead } from './keep-fingerprint.js';

export type LookOutcome = 'stored' | 'unchanged' | 'unsettled' | 'unhealthy' | 'too_large' | 'at_risk';

export interface Look {
  readonly outcome: LookOutcome;
  readonly why: string;
  readonly copy: KeptCopy | null;
}

/** Looks at one workspace now and keeps a copy of its config volume if it is healthy, settled and changed. */
export async function lookAndKeep(deps: CoreDeps, workspaceId: string, takenBy: string): Promise<Look> {
  const { runtime, clock, config, db } = deps;
  const now = clock.now();
  await markLooked(db, workspaceId, now);
  const name = containerName(workspaceId);
  const not = (outcome: LookOutcome, why: string): Look => ({ outcome, why, copy: null });
  const row = await rowForLook(db, workspaceId);
  if (row?.status !== 'online') return not('unhealthy', `status ${row?.status ?? 'gone'}`);
  const state = await runtime.inspect(name);
  if (!state?.running) return not('unhealthy', `${name} is not running`);
  if (state.health !== null && state.health !== 'healthy')
    return not('unhealthy', `${name} is ${state.health}`);
  // Healthy since the later of the row's last change and the container's start (when the engine says).
  const since = Math.max(row.updated_at.getTime(), Date.parse(state.startedAt ?? '') || 0);
  if (now.getTime() - since < config.keep.afterMs)
    return not('unsettled', `healthy since ${new Date(since).toISOString()}`);
  const last = await latestCopy(db, workspaceId);
  if (last && (await unchangedSinceFullRead(deps, name, workspaceId, last)))
    return { outcome: 'unchanged', why: 'its files and folders stat as at its last full read', copy: last };
  const read = await runtime.exportConfigs(name, config.snapshotMaxBytes).catch((error: unknown) => {
    if (error instanceof RangeError) return null;
    throw error;
  });
  if (!read) return not('too_large', `its volume holds more than ${config.snapshotMaxBytes} bytes`);
  const volume = volumeFiles(await readVolume(read.tar));
  // At risk: files its last copy had are gone, before the platform notices (config.yaml among them, often).
  const missing = (last?.manifest ?? []).map((m) => m.path).filter((p) => !volume.has(p));
  if (missing.length > 0) {
    await markFullLook(db, workspaceId, now, null); // no cheap check while at risk: each look reads it
    if (await markAtRisk(db, workspaceId, missing, now)) {
      const ws = { id: workspaceId, name: row.name, runtime: row.runtime };
      await emit(deps, 'workspace.at_risk', { workspace: ws, container: name, missing, copy: last?.id }, ws);
    }
    return not(
      'at_risk',
      `lost ${missing.length} of the files of copy ${last?.id}: ${missing.slice(0, 5).join(', ')}`,
    );
  }
  await clearAtRisk(db, workspaceId);
  const configYaml = volume.get('config.yaml');
  if (!configYaml || isBrokenConfig('config.yaml', configYaml))
    return not('unhealthy', 'config.yaml is not readable');
  const files: ConfigFile[] = [];
  for (const [path, entry] of volume) {
    if (path === MARKER_FILE || entry.type !== 'file' || !entry.content) continue;
    files.push({ path, content: entry.content, mode: entry.mode & 0o777 });
  }
  const kept = await storeCopy(db, workspaceId, files, {
    takenBy,
    at: now,
    keep: config.keep.copies,
    keys: config.dataKeys,
  });
  await markFullLook(db, workspaceId, now, await fingerprintNow(deps, name, kept.copy));
  return { outcome: kept.stored ? 'stored' : 'unchanged', why: `${files.length} files`, copy: kept.copy };
}

/**
 * A sweep's share of looks: the workspaces due (at most `limit`), those this process serves
 * (`owns`, an agent's engines), one after another. A look that fails is logged and tried at
 * the next period.
 */
export async function keepChores(
  deps: CoreDeps,
  o: {
    readonly takenBy: string;
    readonly limit?: number;
    readonly owns?: (containers: string[]) => Promise<ReadonlySet<string>>;
    /** Each recovery of a workspace at risk the policy heals (heal-at-risk.ts). */
    readonly onHealed?: (result: RecoveryResult) => Promise<void> | void;
  },
): Promise<{ readonly looked: number; readonly stored: number; readonly healed: number }> {
  const { afterMs, everyMs } = deps.config.keep;
  const due = await dueForLook(deps.db, { now: deps.clock.now(), afterMs, everyMs, limit: o.limit ?? 100 });
  const owned = o.owns ? await o.owns(due.map(containerName)) : null;
  let stored = 0;
  let looked = 0;
  let healed = 0;
  for (const id of due) {
    if (owned && !owned.has(containerName(id))) continue;
    looked++;
    const look = await lookAndKeep(deps, id, o.takenBy).catch((error: unknown) => {
      deps.logger.warn(
        { workspace: containerName(id), err: (error as Error).message },
        'could not keep a last good copy; will look again',
      );
      return null;
    });
    if (look?.outcome === 'stored') stored++;
    if (look?.outcome === 'at_risk' && (await healLooked(deps, id, o))) healed++;
  }
  return { looked, stored, healed };
}

/** A workspace found at risk, healed when the policy says so; why not is logged. */
async function healLooked(
  deps: CoreDeps,
  id: string,
  o: { readonly takenBy: string; readonly onHealed?: (result: RecoveryResult) => Promise<void> | void },
): Promise<boolean> {
  const workspace = containerName(id);
  try {
    const heal = await healAtRisk(deps, id, o.takenBy);
    if (!heal.healed) {
      deps.logger.info({ workspace, why: heal.why }, 'at risk, not healed');
      return false;
    }
    // Back with every file its last copy had: no longer at risk (else the next look says so).
    const copy = await latestCopy(deps.db, id);
    const holds = new Set(heal.result.restore?.files.map((f) => f.path));
    if (heal.result.outcome === 'recovered' && copy?.manifest.every((m) => holds.has(m.path)))
      await clearAtRisk(deps.db, id);
    await o.onHealed?.(heal.result);
    return heal.result.outcome === 'recovered';
  } catch (error) {
    deps.logger.warn(
      { workspace, err: (error as Error).message },
      'could not heal a workspace at risk; will look again',
    );
    return false;
  }
}
