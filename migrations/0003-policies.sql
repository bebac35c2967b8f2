-- The operator's policy, versioned; refusals recorded as runs (some name no workspace);
-- a comment known by (installation, repository, comment id); commands per actor (rate limit).

CREATE TABLE medic.policies (
  version int PRIMARY KEY, document jsonb NOT NULL, applied_by text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now());

ALTER TABLE medic.runs ALTER COLUMN workspace_id DROP NOT NULL, ADD COLUMN origin jsonb;

ALTER TABLE medic.jobs ADD COLUMN comment_key text UNIQUE;

CREATE TABLE medic.commands (
  id bigserial PRIMARY KEY, actor text NOT NULL, repo text NOT NULL, at timestamptz NOT NULL DEFAULT now());

CREATE INDEX commands_actor_at ON medic.commands (lower(actor), at);
