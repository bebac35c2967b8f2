-- The fleet: an engine per Docker host (its agent heartbeats), where each ws-* container
-- lives, and the recovery tasks the app hands to an engine's agent.

CREATE TABLE medic.engines (
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

CREATE INDEX tasks_engine_state ON medic.tasks (engine, state, id);
