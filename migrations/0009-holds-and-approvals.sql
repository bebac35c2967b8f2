-- Holds ([control]): keep the automatic paths (and, for one workspace, people) off until it ends.

CREATE TABLE medic.holds (
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
  decided_at timestamptz, decided_by text, deny_reason text);
