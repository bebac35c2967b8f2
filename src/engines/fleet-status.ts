// What `medic status` shows: each engine (is its agent alive, when did it last heartbeat, how
// many workspaces are placed on it, its tasks queued and running), the tasks waiting to be
// tried again (attempts, next try, why), the failed workspaces with the engine that holds
// each and their restart budget, and the recent runs. Read-only.
import { z } from 'zod';
import {
  type AtRisk,
  type Breaker,
  type BudgetView,
  budgetUses,
  budgetView,
  containerName,
  type Flapping,
  flappingAmong,
  type Hold,
  listAtRisk,
  listBreakers,
  listHolds,
  type Queryable,
  type RestartBudget,
  type RunRow,
  recentRuns,
  type Undelivered,
  undelivered,
} from '../core/index.js';
import { aliveSql } from './engine-store.js';

const engineRow = z.object({
  name: z.string(),
  agent: z.string(),
  alive: z.boolean(),
  heartbeat_at: z.coerce.date(),
  docker_version: z.string().nullable(),
  placed: z.number(),
  queued: z.number(),
  running: z.number(),
});

export interface EngineStatus {
  readonly name: string;
  readonly agent: string;
  readonly alive: boolean;
  readonly lastHeartbeat: string;
  readonly dockerVersion: string | null;
  readonly placed: number;
  readonly queued: number;
  readonly running: number;
}

export interface FailedWorkspace {
  readonly container: string;
  readonly id: string;
  readonly runtime: string | null;
  /** null: no agent has seen its container. */
  readonly engine: string | null;
  /** Its restart budget: recoveries counted in the window, and when the oldest leaves it. */
  readonly budget: BudgetView;
  /** [storm] Broken again soon after each recovery: the automatic paths leave it to a person. */
  readonly flapping: { readonly regressions: number; readonly after: number } | null;
}

/** A task put back to be tried again (a run kept out by its own stalled attempt's lease, or one whose lease session was lost). */
export interface RetryingTask {
  readonly id: number;
  readonly engine: string;
  readonly target: string;
  /** The attempts made so far. */
  readonly attempts: number;
  /** How often a dead agent's claim of it was taken back (apart from its attempts). */
  readonly reclaims: number;
  readonly nextTry: string;
  readonly why: string | null;
}

export interface FleetStatus {
  readonly engines: readonly EngineStatus[];
  readonly retrying: readonly RetryingTask[];
  readonly failed: readonly FailedWorkspace[];
  readonly recent: readonly RunRow[];
  /** The live holds (medic hold, /hold). */
  readonly holds: readonly Hold[];
  /** Notifications not delivered yet (pending) or given up, by sink. */
  readonly undelivered: readonly Undelivered[];
  /** [storm] The breakers open or paused, or healing in waves; the skipped workspaces of each. */
  readonly breakers: readonly Breaker[];
  /** [keep] Workspaces whose volume lost files their last good copy had (seen by a look), with what. */
  readonly atRisk: ReadonlyArray<AtRisk & { readonly container: string }>;
}

const retryingRow = z.object({
  id: z.coerce.number(),
  engine: z.string(),
  target: z.string(),
  attempts: z.number(),
  reclaims: z.number(),
  not_before: z.coerce.date(),
  error: z.string().nullable(),
});

/** Tasks waiting for their next try, with the attempts made and why. */
export async function retryingTasks(db: Queryable): Promise<RetryingTask[]> {
  const { rows } = await db.query(
    `SELECT id, engine, target, attempts, reclaims, not_before, error FROM medic.tasks
      WHERE state = 'pending' AND not_before IS NOT NULL ORDER BY not_before LIMIT 50`,
  );
  return z
    .array(retryingRow)
    .parse(rows)
    .map((t) => ({
      id: t.id,
      engine: t.engine,
      target: t.target,
      attempts: t.attempts,
      reclaims: t.reclaims,
      nextTry: t.not_before.toISOString(),
      why: t.error,
    }));
}

/** Each engine with its agent's liveness, what is placed on it, and its tasks queued and running. */
export async function engineStatuses(db: Queryable): Promise<EngineStatus[]> {
  const engines = await db.query(
    `SELECT e.name, e.agent, e.heartbeat_at, e.docker_version,
            ${aliveSql('e')} AS alive,
            (SELECT count(*)::int FROM medic.placements p WHERE p.engine = e.name) AS placed,
            (SELECT count(*)::int FROM medic.tasks t WHERE t.engine = e.name AND t.state = 'pending') AS queued,
            (SELECT count(*)::int FROM medic.tasks t WHERE t.engine = e.name AND t.state = 'running') AS running
       FROM medic.engines e ORDER BY e.name`,
  );
  return z
    .array(engineRow)
    .parse(engines.rows)
    .map((e) => ({
      name: e.name,
      agent: e.agent,
      alive: e.alive,
      lastHeartbeat: e.heartbeat_at.toISOString(),
      dockerVersion: e.docker_version,
      placed: e.placed,
      queued: e.queued,
      running: e.running,
    }));
}

export async function fleetStatus(
  db: Queryable,
  budget: RestartBudget,
  regressionWindowMs: number,
  recent = 10,
): Promise<FleetStatus> {
  const failed = await db.query(
    "SELECT id::text AS id, runtime FROM workspaces WHERE status = 'failed' ORDER BY updated_at DESC LIMIT 100",
  );
  const rows = z.array(z.object({ id: z.string(), runtime: z.string().nullable() })).parse(failed.rows);
  const placed = await db.query(
    'SELECT container, engine FROM medic.placements WHERE container = ANY($1::text[])',
    [rows.map((r) => containerName(r.id))],
  );
  const where = new Map(
    z
      .array(z.object({ container: z.string(), engine: z.string() }))
      .parse(placed.rows)
      .map((p) => [p.container, p.engine]),
  );
  const used = await budgetUses(
    db,
    rows.map((r) => r.id),
    budget.windowMs,
  );
  const flapping = await flappingAmong(
    db,
    rows.map((r) => r.id),
    regressionWindowMs,
  );
  return {
    engines: await engineStatuses(db),
    retrying: await retryingTasks(db),
    failed: rows.map((r) => ({
      container: containerName(r.id),
      id: r.id,
      runtime: r.runtime,
      engine: where.get(containerName(r.id)) ?? null,
      budget: budgetView(used.get(r.id), budget),
      flapping: flappingView(flapping.get(r.id)),
    })),
    recent: await recentRuns(db, recent),
    holds: await listHolds(db),
    undelivered: await undelivered(db),
    breakers: (await listBreakers(db)).filter((b) => b.state !== 'closed' || b.wave !== null),
    atRisk: (await listAtRisk(db)).map((r) => ({ ...r, container: containerName(r.workspaceId) })),
  };
}

/** What status shows of a flapping workspace (null: not flapping). */
function flappingView(f: Flapping | undefined): FailedWorkspace['flapping'] {
  return f ? { regressions: f.regressions, after: f.after } : null;
}
