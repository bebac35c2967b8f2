-- Grants pinned to GitHub's ids when a policy is applied; refusals counted per actor and
-- repository, so a flood of them is answered once and costs nothing after; the comments the
-- action has handled, so a re-run of an issue_comment workflow runs nothing twice.

ALTER TABLE medic.policies ADD COLUMN resolution jsonb;

CREATE TABLE medic.refusals (
  id bigserial PRIMARY KEY, actor text NOT NULL, repo text NOT NULL, code text NOT NULL,
  held text, answered text NOT NULL, at timestamptz NOT NULL DEFAULT now());

CREATE INDEX refusals_actor_repo_at ON medic.refusals (lower(actor), lower(repo), at);

CREATE TABLE medic.action_comments (
  key text PRIMARY KEY, run_id text, at timestamptz NOT NULL DEFAULT now());
