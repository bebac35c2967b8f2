-- Fenced work: a job or task put back to run again waits until not_before (its backoff).
-- A comment from a stranger (an ungranted repository, an actor refused there lately) is
-- stored at a lower priority, one from an actor who ran commands here lately at a higher.

ALTER TABLE medic.jobs ADD COLUMN not_before timestamptz, ADD COLUMN priority int NOT NULL DEFAULT 0;

ALTER TABLE medic.tasks ADD COLUMN not_before timestamptz;

CREATE INDEX jobs_pending_priority ON medic.jobs (state, priority DESC, id);

CREATE INDEX runs_actor_started ON medic.runs (lower(actor), started_at DESC);
