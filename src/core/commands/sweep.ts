// What medic heals without being asked, and the sweep that does it. A workspace is healed
// unasked only when its row is neither parked nor `provisioning` (first provisioning is the
// platform's: its provisioner is about to write the config) and its config volume lacks
// config.yaml: a container that died with its config intact is the platform's restart
// policy's business.
// `medic sweep` runs `sweep`; the watcher runs `sweepCandidates` on a timer and
// `healingVerdict` for each workspace an event names.

import type { CoreDeps, RunOptions } from '../model/deps.js';
import { asMedicError } from '../model/errors.js';
import { containerName } from '../model/names.js';
import type { RecoveryResult } from '../model/result.js';
import { type Diagnosis, diagnose } from '../steps/diagnose.js';
import { describeFlapping, flappingOf } from '../store/flapping-store.js';
import { describeHold, holdOn } from '../store/hold-store.js';
import { failedIds, isParked, listFailedWorkspaces, type WorkspaceRow } from '../store/workspace-store.js';
import { recover } from './recover.js';

export type HealingVerdict =
  | { readonly heal: true; readonly diagnosis: Diagnosis }
  | { readonly heal: false; readonly why: string; readonly held?: boolean };

/** The rows a sweep looks at: `failed`, the longest-unchanged first. */
export function sweepCandidates(deps: CoreDeps, limit: number): Promise<WorkspaceRow[]> {
  return listFailedWorkspaces(deps.db, limit);
}

/** The ids of the rows marked `failed` now (a cheap query, for a look every second). */
export function failedNow(deps: CoreDeps, limit: number): Promise<string[]> {
  return failedIds(deps.db, limit);
}

/**
 * Whether the platform's table carries medic's optional trigger (deploy/workspace-failed-trigger.sql),
 * which sends NOTIFY `medic_workspace_failed` when a row becomes `failed`.
 */
export async function failureTriggerInstalled(deps: CoreDeps): Promise<boolean> {
  const { rows } = await deps.db.query(
    "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'medic_workspace_failed' AND NOT tgisinternal) AS installed",
  );
  return (rows[0] as { installed?: boolean } | undefined)?.installed === true;
}

export async function healingVerdict(deps: CoreDeps, row: WorkspaceRow): Promise<HealingVerdict> {
  if (isParked(row.status) || row.status === 'provisioning')
    return { heal: false, why: `status ${row.status}` };
  // A hold (on it, its engine, or the fleet) keeps every automatic path off.
  const hold = await holdOn(deps.db, { id: row.id, container: containerName(row.id) }, { automatic: true });
  if (hold) return { heal: false, why: describeHold(hold), held: true };
  // [storm] A workspace that keeps breaking soon after each recovery: a person decides.
  const flapping = await flappingOf(deps.db, row.id, deps.config.regressionWindowMs);
  if (flapping.flapping) {
    return {
      heal: false,
      why: `${describeFlapping(flapping, deps.config.regressionWindowMs)}; automatic heals stop, a person may still run medic recover ${containerName(row.id)}`,
    };
  }
  const d = await diagnose(deps.runtime, row);
  return d.verdict === 'needs-seed'
    ? { heal: true, diagnosis: d }
    : { heal: false, why: `verdict ${d.verdict}` };
}

export interface SweepOptions extends RunOptions {
  readonly concurrency: number;
  readonly max: number;
  /** Each recovery's result as it finishes (a fleet takes a while: the CLI shows them as they come). */
  readonly onResult?: (result: RecoveryResult) => void;
  /** After each row is handled: how far the sweep is. */
  readonly onProgress?: (progress: SweepProgress) => void;
}

export interface SweepProgress {
  /** Rows examined, of the candidate rows read. */
  readonly examined: number;
  readonly candidates: number;
  readonly recovered: number;
  readonly failed: number;
  readonly leftAlone: number;
}

export interface SweepReport {
  readonly candidates: number;
  readonly skipped: ReadonlyArray<{ readonly id: string; readonly why: string }>;
  /** How many of the skipped were held (`medic hold`). */
  readonly held: number;
  readonly results: readonly RecoveryResult[];
}

export async function sweep(deps: CoreDeps, options: SweepOptions): Promise<SweepReport> {
  // Read more rows than `max`: some failed rows have an intact volume and are not ours to fix.
  const rows = await sweepCandidates(deps, Math.max(options.max * 4, 100));
  const skipped: { id: string; why: string }[] = [];
  let held = 0;
  const results: RecoveryResult[] = [];
  let taken = 0;
  let next = 0;
  const progress = () =>
    options.onProgress?.({
      examined: next,
      candidates: rows.length,
      recovered: results.filter((r) => r.outcome === 'recovered' || r.outcome === 'planned').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      leftAlone: skipped.length,
    });
  const worker = async (): Promise<void> => {
    while (next < rows.length && taken < options.max) {
      const row = rows[next++]!;
      const verdict = await healingVerdict(deps, row).catch(
        (error: unknown): HealingVerdict => ({ heal: false, why: asMedicError(error).message }),
      );
      if (!verdict.heal) {
        skipped.push({ id: row.id, why: verdict.why });
        if (verdict.held) held++;
        progress();
        continue;
      }
      if (taken >= options.max) break;
      taken++;
      // [storm] Unattended, whoever started it: the breaker and the waves apply.
      const result = await recover(deps, row.id, { ...options, automatic: !options.dryRun, found: row });
      results.push(result);
      options.onResult?.(result);
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return { candidates: rows.length, skipped, held, results };
}
