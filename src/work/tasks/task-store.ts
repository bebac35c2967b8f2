// Tasks: the commands the app hands to an engine's agent, in Postgres. A task is known by a
// key made from the job that asked for it (so a job run again after its replica died finds
// its tasks instead of adding new ones), claimed by one agent of its engine with SKIP LOCKED,
// heartbeated while it runs, and carries its steps as the agent stores them and its answer.
import { z } from 'zod';
import {
  approvalSchema,
  originSchema,
  PERMISSIONS,
  type Queryable,
  type RunOptions,
  SOURCES,
  type Step,
  stepSchema,
  TRACEPARENT,
} from '../../core/index.js';
import { TASK_EVENTS, TASKS_QUEUED } from '../../db/wakeups.js';
import { aliveSql } from '../../engines/engine-store.js';
import { type Claimed, fencedQueue, type WorkQueue } from '../queue/index.js';
import { type TaskAnswer, taskAnswerSchema } from './task-answer.js';

export const TASK_COMMANDS = ['recover', 'rollback', 'diagnose'] as const;
export type TaskCommand = (typeof TASK_COMMANDS)[number];

/** A request as it travels to the agent: the run's options without the listener, and a diagnosis's. */
export const taskOptionsSchema = z.object({
  actor: z.string(),
  source: z.enum(SOURCES),
  reason: z.string().nullable().optional(),
  dryRun: z.boolean().optional(),
  force: z.boolean().optional(),
  from: z.enum(['template']).optional(),
  plan: z.string().optional(),
  grant: z
    .object({
      repo: z.string(),
      repoId: z.number().nullable().default(null),
      ownerId: z.number().nullable().default(null),
      role: z.string(),
      origin: originSchema,
    })
    .optional(),
  client: z.object({ name: z.string() }).optional(),
  runId: z.string().uuid().optional(),
  detectedAt: z.string().optional(),
  approval: approvalSchema.optional(),
  list: z.boolean().optional(),
  permission: z.enum(PERMISSIONS).optional(),
  traceparent: z.string().regex(TRACEPARENT).optional(),
});
export type TaskOptions = z.infer<typeof taskOptionsSchema>;

export interface Task {
  readonly id: number;
  /** Which claim of it this is (1 the first): every write about it names it and its worker. */
  readonly attempt: number;
  readonly engine: string;
  readonly command: TaskCommand;
  readonly target: string;
  readonly options: TaskOptions;
  /** Written by a member of medic_app (deploy/roles.sql): it must carry the grant it was admitted under. */
  readonly byApp?: boolean;
}

/** What the app reads back while it waits. */
export interface TaskView {
  readonly state: 'pending' | 'running' | 'done' | 'failed' | 'abandoned' | 'expired';
  readonly engine: string;
  readonly steps: readonly Step[];
  readonly result?: unknown;
  readonly error: string | null;
  /** Whether the task's engine has an agent that heartbeated lately. */
  readonly alive: boolean;
  readonly lastHeartbeat: Date | null;
}

const taskRow = z
  .object({
    id: z.coerce.number(),
    attempts: z.number(),
    engine: z.string(),
    command: z.enum(TASK_COMMANDS),
    target: z.string(),
    options: taskOptionsSchema,
    by_app: z.boolean().default(false),
  })
  .transform(({ attempts, by_app, ...t }): Task => ({ ...t, attempt: attempts, byApp: by_app }));
const viewRow = z
  .object({
    state: z.enum(['pending', 'running', 'done', 'failed', 'abandoned', 'expired']),
    engine: z.string(),
    steps: z.array(stepSchema),
    result: z.unknown(),
    error: z.string().nullable(),
    alive: z.boolean(),
    last_heartbeat: z.coerce.date().nullable(),
  })
  .transform(({ last_heartbeat, ...r }) => ({ ...r, lastHeartbeat: last_heartbeat }));

/** Only what survives JSON: the listener stays with the caller. */
export function taskOptions(options: RunOptions & Pick<TaskOptions, 'list' | 'permission'>): TaskOptions {
  const { onStep: _, ...rest } = options as RunOptions & { onStep?: unknown };
  return taskOptionsSchema.parse(rest);
}

/** Stores a task (or finds the one stored under this key before) and returns its id. */
export async function enqueueTask(
  db: Queryable,
  task: {
    readonly key: string;
    readonly engine: string;
    readonly command: TaskCommand;
    readonly target: string;
    readonly options: TaskOptions;
  },
): Promise<number> {
  const { rows } = await db.query(
    `WITH added AS (
       INSERT INTO medic.tasks (key, engine, command, target, options) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (key) DO NOTHING RETURNING id)
     SELECT id FROM added UNION ALL SELECT id FROM medic.tasks WHERE key = $1`,
    [task.key, task.engine, task.command, task.target, JSON.stringify(task.options)],
  );
  // Its engine's agents claim it now rather than at their next poll.
  await db.query('SELECT pg_notify($1, $2)', [TASKS_QUEUED, task.engine]);
  return z.array(z.object({ id: z.coerce.number() })).parse(rows)[0]!.id;
}

/** A task as it stands, with whether its engine has a live agent (one query: the app polls it). */
export async function readTask(db: Queryable, id: number): Promise<TaskView> {
  const { rows } = await db.query(
    `SELECT t.state, t.engine, t.steps, t.result, t.error, e.heartbeat_at AS last_heartbeat,
            coalesce(${aliveSql('e')}, false) AS alive
       FROM medic.tasks t LEFT JOIN medic.engines e ON e.name = t.engine WHERE t.id = $1`,
    [id],
  );
  return viewRow.parse(rows[0]);
}

/** The app gives up on a task no agent took (its engine had none alive): true when it won. */
export async function expireTask(db: Queryable, id: number, why: string): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE medic.tasks SET state = 'expired', error = $2, finished_at = now()
      WHERE id = $1 AND state IN ('pending', 'running') RETURNING id`,
    [id, why],
  );
  return rows.length === 1;
}

/**
 * A step as it ends, written only while the task is still this worker's attempt; whoever
 * follows the task is woken. False when it was refused (the task was taken over).
 */
export async function appendTaskStep(
  db: Queryable,
  worker: string,
  task: Claimed,
  step: Step,
): Promise<boolean> {
  const { rows } = await db.query(
    `WITH t AS (UPDATE medic.tasks SET steps = steps || jsonb_build_array($4::jsonb), heartbeat_at = now()
                 WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running' RETURNING id)
     SELECT pg_notify($5, id::text) FROM t`,
    [task.id, worker, task.attempt, JSON.stringify(step), TASK_EVENTS],
  );
  return rows.length === 1;
}

/** The task's answer, written only while it is still this worker's attempt; false when refused. */
export async function storeTaskResult(
  db: Queryable,
  worker: string,
  task: Claimed,
  answer: TaskAnswer,
): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE medic.tasks SET result = $4::jsonb
      WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running' RETURNING id`,
    [task.id, worker, task.attempt, JSON.stringify(taskAnswerSchema.parse(answer))],
  );
  return rows.length === 1;
}

/** One engine's tasks as a fenced work queue for its agents. */
export function taskQueue(db: Queryable, engine: string): WorkQueue<Task> {
  return fencedQueue(db, {
    table: 'medic.tasks',
    scope: { column: 'engine', value: engine },
    // Whether the app's role wrote it (deploy/roles.sql): such a task must carry its grant.
    columns: `id, attempts, engine, command, target, options, EXISTS (
      SELECT 1 FROM pg_catalog.pg_auth_members m
        JOIN pg_catalog.pg_roles g ON g.oid = m.roleid JOIN pg_catalog.pg_roles u ON u.oid = m.member
       WHERE g.rolname = 'medic_app' AND u.rolname = created_by) AS by_app`,
    row: taskRow,
    onClaim: "steps = '[]', result = NULL",
    abandonedWhy: 'its agent stopped twice while running it',
    notify: TASK_EVENTS,
  });
}

/** Tasks waiting for an engine's agents (the agent's queue-depth gauge). */
export async function queuedTasks(db: Queryable, engine: string): Promise<number> {
  const { rows } = await db.query(
    "SELECT count(*)::int AS n FROM medic.tasks WHERE engine = $1 AND state = 'pending'",
    [engine],
  );
  return z.array(z.object({ n: z.number() })).parse(rows)[0]?.n ?? 0;
}
