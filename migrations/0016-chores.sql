-- Chores (the daily prune): one row per chore and period, claimed by one process of all the
-- replicas and agents, retried with the backoff when it fails (core/commands/chores.ts).

CREATE TABLE medic.chores (
  name text NOT NULL, period text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
  attempts int NOT NULL DEFAULT 0, not_before timestamptz, worker text, started_at timestamptz,
  finished_at timestamptz, outcome text, error text, PRIMARY KEY (name, period));
