// medic's own schema (`medic`), applied in order under an advisory lock so that many
// processes starting at once migrate exactly once. The platform's `workspaces` table is
// created only where none exists (a demo or the embedded database), never altered.
import { z } from 'zod';
import { type Database, InvalidConfigError, type Queryable } from '../core/index.js';
import { CONTAIN } from './migration-contain.js';
import { KEEP, KEEP_SEALED } from './migration-keep.js';
import { STORM } from './migration-storm.js';

// A migration is DDL split at each line that ends with ';', or (where function bodies hold such
// lines) its statements one by one.
const MIGRATIONS: ReadonlyArray<string | readonly string[]> = [
  `CREATE SCHEMA IF NOT EXISTS medic;
   CREATE TABLE medic.runs (
     run_id uuid PRIMARY KEY, workspace_id uuid NOT NULL, command text NOT NULL, source text NOT NULL,
     actor text NOT NULL, reason text, dry_run boolean NOT NULL DEFAULT false, force boolean NOT NULL DEFAULT false,
     state text NOT NULL, outcome text, error_code text, started_at timestamptz NOT NULL,
     finished_at timestamptz, result jsonb);
   CREATE INDEX runs_workspace_started ON medic.runs (workspace_id, started_at DESC);
   CREATE TABLE medic.step_events (
     run_id uuid NOT NULL REFERENCES medic.runs(run_id), seq int NOT NULL, name text NOT NULL,
     status text NOT NULL, ms int NOT NULL, detail text NOT NULL, at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (run_id, seq));
   CREATE TABLE medic.leases (
     workspace_id uuid PRIMARY KEY, run_id uuid NOT NULL, holder text NOT NULL, session_pid int,
     session_start timestamptz, acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
   CREATE TABLE medic.snapshots (
     run_id uuid PRIMARY KEY, workspace_id uuid NOT NULL, digest text NOT NULL, bytes int NOT NULL,
     tar bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
   CREATE TABLE medic.jobs (
     id bigserial PRIMARY KEY, delivery_id text NOT NULL UNIQUE, kind text NOT NULL, payload jsonb NOT NULL,
     state text NOT NULL DEFAULT 'pending', attempts int NOT NULL DEFAULT 0, error text,
     created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz, finished_at timestamptz);
   CREATE INDEX jobs_pending ON medic.jobs (state, id);`,
  // The app's worker heartbeats the jobs it runs, so a job whose process died can be told apart.
  `ALTER TABLE medic.jobs ADD COLUMN heartbeat_at timestamptz, ADD COLUMN worker text`,
  // The operator's policy, versioned; refusals recorded as runs (some name no workspace);
  // a comment known by (installation, repository, comment id); commands per actor (rate limit).
  `CREATE TABLE medic.policies (
     version int PRIMARY KEY, document jsonb NOT NULL, applied_by text NOT NULL,
     applied_at timestamptz NOT NULL DEFAULT now());
   ALTER TABLE medic.runs ALTER COLUMN workspace_id DROP NOT NULL, ADD COLUMN origin jsonb;
   ALTER TABLE medic.jobs ADD COLUMN comment_key text UNIQUE;
   CREATE TABLE medic.commands (
     id bigserial PRIMARY KEY, actor text NOT NULL, repo text NOT NULL, at timestamptz NOT NULL DEFAULT now());
   CREATE INDEX commands_actor_at ON medic.commands (lower(actor), at);`,
  // The fleet: an engine per Docker host (its agent heartbeats), where each ws-* container
  // lives, and the recovery tasks the app hands to an engine's agent.
  `CREATE TABLE medic.engines (
     name text PRIMARY KEY, agent text NOT NULL, started_at timestamptz NOT NULL,
     heartbeat_at timestamptz NOT NULL, docker_version text, stopped_at timestamptz);
   CREATE TABLE medic.placements (
     container text PRIMARY KEY, engine text NOT NULL, container_id text NOT NULL,
     seen_at timestamptz NOT NULL DEFAULT now());
   CREATE INDEX placements_engine ON medic.placements (engine);
   CREATE TABLE medic.tasks (
     id bigserial PRIMARY KEY, key text NOT NULL UNIQUE, engine text NOT NULL, command text NOT NULL,
     target text NOT NULL, options jsonb NOT NULL, state text NOT NULL DEFAULT 'pending',
     attempts int NOT NULL DEFAULT 0, worker text, steps jsonb NOT NULL DEFAULT '[]', result jsonb,
     error text, created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz,
     heartbeat_at timestamptz, finished_at timestamptz);
   CREATE INDEX tasks_engine_state ON medic.tasks (engine, state, id);`,
  // Grants pinned to GitHub's ids when a policy is applied; refusals counted per actor and
  // repository, so a flood of them is answered once and costs nothing after; the comments the
  // action has handled, so a re-run of an issue_comment workflow runs nothing twice.
  `ALTER TABLE medic.policies ADD COLUMN resolution jsonb;
   CREATE TABLE medic.refusals (
     id bigserial PRIMARY KEY, actor text NOT NULL, repo text NOT NULL, code text NOT NULL,
     held text, answered text NOT NULL, at timestamptz NOT NULL DEFAULT now());
   CREATE INDEX refusals_actor_repo_at ON medic.refusals (lower(actor), lower(repo), at);
   CREATE TABLE medic.action_comments (
     key text PRIMARY KEY, run_id text, at timestamptz NOT NULL DEFAULT now());`,
  // Fenced work: a job or task put back to run again waits until not_before (its backoff).
  // A comment from a stranger (an ungranted repository, an actor refused there lately) is
  // stored at a lower priority, one from an actor who ran commands here lately at a higher.
  `ALTER TABLE medic.jobs ADD COLUMN not_before timestamptz, ADD COLUMN priority int NOT NULL DEFAULT 0;
   ALTER TABLE medic.tasks ADD COLUMN not_before timestamptz;
   CREATE INDEX jobs_pending_priority ON medic.jobs (state, priority DESC, id);
   CREATE INDEX runs_actor_started ON medic.runs (lower(actor), started_at DESC);`,
  // Least privilege (docs/security.md, deploy/roles.sql): an agent's login role, a member of
  // medic_agent, may see and change only the rows of the engines medic.engine_roles gives it.
  // Every other role (the app, the operator) sees every row; the owner is not subject to it.
  `CREATE TABLE medic.engine_roles (engine text PRIMARY KEY, role name NOT NULL);
   CREATE FUNCTION medic.may_serve(engine text) RETURNS boolean LANGUAGE sql STABLE AS $$
     SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'medic_agent')
         OR NOT pg_has_role(current_user, 'medic_agent', 'MEMBER')
         OR EXISTS (SELECT 1 FROM medic.engine_roles r WHERE r.engine = $1 AND r.role = current_user)
   $$;
   ALTER TABLE medic.engines ENABLE ROW LEVEL SECURITY;
   CREATE POLICY by_engine ON medic.engines USING (medic.may_serve(name)) WITH CHECK (medic.may_serve(name));
   ALTER TABLE medic.placements ENABLE ROW LEVEL SECURITY;
   CREATE POLICY by_engine ON medic.placements USING (medic.may_serve(engine)) WITH CHECK (medic.may_serve(engine));
   ALTER TABLE medic.tasks ENABLE ROW LEVEL SECURITY;
   CREATE POLICY by_engine ON medic.tasks USING (medic.may_serve(engine)) WITH CHECK (medic.may_serve(engine));`,
  // The HTTP API ([api]): clients' tokens (only their hashes), each Idempotency-Key's request
  // and the answer it got, and every call made (the rate limit counts them).
  `CREATE TABLE medic.api_tokens (
     id bigserial PRIMARY KEY, client text NOT NULL, prefix text NOT NULL UNIQUE, hash text NOT NULL UNIQUE,
     created_by text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
     revoked_at timestamptz, last_used_at timestamptz);
   CREATE TABLE medic.api_requests (
     client text NOT NULL, key text NOT NULL, body_hash text NOT NULL, run_id uuid NOT NULL UNIQUE,
     target text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
     taken_at timestamptz NOT NULL DEFAULT now(), result jsonb, PRIMARY KEY (client, key));
   CREATE TABLE medic.api_calls (
     id bigserial PRIMARY KEY, client text, method text NOT NULL, path text NOT NULL,
     status int, code text, run_id uuid, at timestamptz NOT NULL DEFAULT now());
   CREATE INDEX api_calls_by_client ON medic.api_calls (lower(client), at);`,
  // Holds ([control]): keep the automatic paths (and, for one workspace, people) off until it ends.
  `CREATE TABLE medic.holds (
     id bigserial PRIMARY KEY, scope text NOT NULL CHECK (scope IN ('workspace', 'all', 'engine')),
     workspace_id uuid, engine text, holder text NOT NULL, source text NOT NULL, reason text NOT NULL,
     origin jsonb, created_at timestamptz NOT NULL DEFAULT now(), until timestamptz NOT NULL,
     ended_at timestamptz, ended_by text, end_note text);
   CREATE INDEX holds_open ON medic.holds (workspace_id) WHERE ended_at IS NULL;
   CREATE TABLE medic.approvals (
     id text PRIMARY KEY, repo text NOT NULL, repo_id bigint, issue int NOT NULL, installation bigint,
     requester text NOT NULL, command jsonb NOT NULL, line text NOT NULL, needed int NOT NULL,
     approvers text[] NOT NULL DEFAULT '{}', state text NOT NULL DEFAULT 'pending'
       CHECK (state IN ('pending', 'approved', 'denied', 'expired')),
     comment_id bigint, created_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL,
     decided_at timestamptz, decided_by text, deny_reason text);`,
  // Notifications ([signal]): an outbox delivered by every long-running process, each attempt
  // kept; and the regressions seen (a workspace broken again soon after a recovery).
  `CREATE TABLE medic.outbox (
     id bigserial PRIMARY KEY, delivery_id uuid NOT NULL UNIQUE, sink int NOT NULL, sink_kind text NOT NULL,
     url_env text NOT NULL, secret_env text, event text NOT NULL, payload jsonb NOT NULL,
     state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
     attempts int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now(),
     next_at timestamptz NOT NULL DEFAULT now(), delivered_at timestamptz, last_error text);
   CREATE INDEX outbox_due ON medic.outbox (next_at) WHERE state = 'pending';
   CREATE TABLE medic.outbox_attempts (
     outbox_id bigint NOT NULL, at timestamptz NOT NULL DEFAULT now(), status int, ms int NOT NULL, error text);
   CREATE TABLE medic.regressions (
     run_id uuid PRIMARY KEY, previous_run_id uuid NOT NULL, workspace_id uuid NOT NULL, gap_s int NOT NULL,
     at timestamptz NOT NULL DEFAULT now(), reopened_at timestamptz);
   ALTER TABLE medic.runs ADD COLUMN detected_at timestamptz;`,
  CONTAIN,
  // [defaults] A dead worker's reclaims, counted apart from the item's attempts.
  `ALTER TABLE medic.jobs ADD COLUMN reclaims int NOT NULL DEFAULT 0;
   ALTER TABLE medic.tasks ADD COLUMN reclaims int NOT NULL DEFAULT 0`,
  // [storm] The breaker and the waves (migration-storm.ts).
  STORM,
  // [keep] Last good copies of healthy workspaces' config volumes (migration-keep.ts).
  KEEP,
  // [keep] Snapshots and blobs sealed under MEDIC_DATA_KEY name their key.
  KEEP_SEALED,
  // Chores (the daily prune): one row per chore and period, claimed by one process of all the
  // replicas and agents, retried with the backoff when it fails (core/commands/chores.ts).
  `CREATE TABLE medic.chores (
     name text NOT NULL, period text NOT NULL,
     state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
     attempts int NOT NULL DEFAULT 0, not_before timestamptz, worker text, started_at timestamptz,
     finished_at timestamptz, outcome text, error text, PRIMARY KEY (name, period))`,
];

const WORKSPACES = `CREATE TABLE workspaces (
  id uuid PRIMARY KEY, name text NOT NULL DEFAULT '', status text NOT NULL DEFAULT 'provisioning',
  runtime text NOT NULL DEFAULT 'claude-code', updated_at timestamptz NOT NULL DEFAULT now())`;

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  readonly createdWorkspaces: boolean;
}

/**
 * A database whose schema is newer than this code: a newer medic migrated it, and this one
 * would misread it (as Postgres refuses a data directory of a newer major version).
 */
export function newerSchemaError(version: number): InvalidConfigError {
  return new InvalidConfigError(
    `the database's medic schema is at version ${version}, newer than this medic's ${SCHEMA_VERSION}: a newer medic migrated it`,
    {
      hint: 'upgrade medic on this host (every process against one database runs the same version or newer)',
    },
  );
}

export async function migrate(db: Database): Promise<MigrationReport> {
  const found = await currentVersion(db);
  if (found === SCHEMA_VERSION) {
    return { from: SCHEMA_VERSION, to: SCHEMA_VERSION, createdWorkspaces: false };
  }
  if (found > SCHEMA_VERSION) throw newerSchemaError(found);
  return db.session(async (s) => {
    await s.query('BEGIN');
    try {
      await s.query("SELECT pg_advisory_xact_lock(hashtext('workspace-medic:migrate'))");
      await s.query('CREATE SCHEMA IF NOT EXISTS medic');
      await s.query(
        'CREATE TABLE IF NOT EXISTS medic.schema_version (version int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const from = await currentVersion(s);
      if (from > SCHEMA_VERSION) throw newerSchemaError(from);
      // The platform's table first: medic's functions that read it are checked as they are made.
      const { rows } = await s.query("SELECT to_regclass('workspaces') IS NULL AS missing");
      const missing = z.array(z.object({ missing: z.boolean() })).parse(rows)[0]?.missing ?? false;
      if (missing) await s.query(WORKSPACES);
      for (let v = from; v < MIGRATIONS.length; v++) {
        await execAll(s, MIGRATIONS[v]!);
        await s.query('INSERT INTO medic.schema_version (version) VALUES ($1)', [v + 1]);
      }
      await s.query('COMMIT');
      return { from, to: MIGRATIONS.length, createdWorkspaces: missing };
    } catch (error) {
      await s.query('ROLLBACK');
      throw error;
    }
  });
}

/** The version of medic's schema in this database (0: never migrated). */
export async function currentVersion(db: Queryable): Promise<number> {
  const exists = await db.query("SELECT to_regclass('medic.schema_version') IS NOT NULL AS e");
  if (!z.array(z.object({ e: z.boolean() })).parse(exists.rows)[0]?.e) return 0;
  const { rows } = await db.query('SELECT coalesce(max(version), 0) AS v FROM medic.schema_version');
  return z.array(z.object({ v: z.coerce.number() })).parse(rows)[0]?.v ?? 0;
}

// Parameterless DDL, split so that each statement goes through the same query() port.
async function execAll(db: Queryable, sql: string | readonly string[]): Promise<void> {
  const statements = typeof sql === 'string' ? sql.split(/;\s*$/m) : sql;
  for (const statement of statements.map((s) => s.trim())) {
    if (statement) await db.query(statement);
  }
}
