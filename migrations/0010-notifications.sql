-- Notifications ([signal]): an outbox delivered by every long-running process, each attempt
-- kept; and the regressions seen (a workspace broken again soon after a recovery).

CREATE TABLE medic.outbox (
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

ALTER TABLE medic.runs ADD COLUMN detected_at timestamptz;
