-- medic's own schema: the runs and their steps (the trail), the leases that keep two runs off one
-- workspace, the snapshot each run takes before it writes, and the app's webhook jobs.

CREATE SCHEMA IF NOT EXISTS medic;

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

CREATE INDEX jobs_pending ON medic.jobs (state, id);
