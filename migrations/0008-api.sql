-- The HTTP API ([api]): clients' tokens (only their hashes), each Idempotency-Key's request
-- and the answer it got, and every call made (the rate limit counts them).

CREATE TABLE medic.api_tokens (
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

CREATE INDEX api_calls_by_client ON medic.api_calls (lower(client), at);
