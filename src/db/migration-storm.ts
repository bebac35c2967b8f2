// [storm] (docs/operations.md, "Fleet-wide breakage"): the breaker and the waves, decided in
// the database so that every automatic path (each agent, each watcher, the API) sees one
// state and no role can write it but through these functions.
//
// - `medic.breakers`: one row per scope (`fleet`, `engine:<name>`, `runtime:<name>`): whether
//   the automatic paths may start recoveries there (`closed`), not while too many of its
//   workspaces are broken at once (`open`), or not until a person says so after a wave failed
//   (`paused`); the wave in progress; the workspaces failed when it last closed (`baseline`:
//   they heal, in waves, but no longer count towards opening it again).
// - `medic.breaker_admit(ws, person)` is the one door: it counts the scope's broken
//   workspaces from the platform's table, opens or closes (hysteresis), admits a recovery
//   into the current wave, asks it to wait for the wave, or skips it (recorded in
//   `medic.breaker_skips`). It runs as the schema's owner: an agent cannot open, close or
//   forge a wave, and may ask only about workspaces placed on its own engines.
// - `medic.breaker_done(scope, wave, run)` counts a finished run into its wave, reading the
//   run's outcome from the trail, not from the caller; each run once.
// - `medic.flapping`: when a workspace was said to be flapping, and when stable again.
// The platform's table is `public.workspaces` here (a function that runs as the owner names
// what it reads with its schema).

import { BREAKER_ADMIT, BREAKER_HELPERS } from './migration-storm-admit.js';

const SAFE = 'SET search_path = pg_catalog, pg_temp';

export const STORM: readonly string[] = [
  `CREATE TABLE medic.breakers (
     scope text PRIMARY KEY,
     state text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'paused')),
     opened_at timestamptz, opened_counts jsonb, under_since timestamptz,
     closed_at timestamptz, closed_by text, close_reason text,
     baseline uuid[] NOT NULL DEFAULT '{}',
     wave int NOT NULL DEFAULT 0, wave_size int NOT NULL DEFAULT 0, wave_started_at timestamptz,
     wave_touched_at timestamptz, wave_admitted int NOT NULL DEFAULT 0, wave_done int NOT NULL DEFAULT 0,
     wave_failed int NOT NULL DEFAULT 0, wave_runs uuid[] NOT NULL DEFAULT '{}',
     wave_failed_runs uuid[] NOT NULL DEFAULT '{}', skipped bigint NOT NULL DEFAULT 0)`,
  `CREATE TABLE medic.breaker_skips (
     scope text NOT NULL, opened_at timestamptz NOT NULL, workspace_id uuid NOT NULL, why text NOT NULL,
     first_at timestamptz NOT NULL DEFAULT now(), last_at timestamptz NOT NULL DEFAULT now(),
     times int NOT NULL DEFAULT 1, PRIMARY KEY (scope, opened_at, workspace_id))`,
  `CREATE TABLE medic.breaker_log (
     id bigserial PRIMARY KEY, scope text NOT NULL, kind text NOT NULL, by text NOT NULL, reason text,
     counts jsonb, at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE medic.flapping (
     workspace_id uuid PRIMARY KEY, since timestamptz NOT NULL DEFAULT now(), stable_at timestamptz)`,
  'ALTER TABLE medic.flapping ENABLE ROW LEVEL SECURITY',
  'CREATE POLICY by_engine ON medic.flapping USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id))',

  // The policy's autoheal section, each key at its default when the policy leaves it out.
  `CREATE FUNCTION medic.autoheal() RETURNS jsonb LANGUAGE sql STABLE ${SAFE} AS $$
     SELECT '{"max_unhealthy": "100%", "scope": "fleet", "close_after": "10m", "canary": 2, "max_failure_ratio": 0.5}'::jsonb
            || COALESCE((SELECT p.document -> 'autoheal' FROM medic.policies p ORDER BY p.version DESC LIMIT 1), '{}'::jsonb)
   $$`,
  // '30s', '10m', '2h', '1d' in seconds (the policy's grammar; it was checked when applied).
  `CREATE FUNCTION medic.duration_s(d text) RETURNS int LANGUAGE sql IMMUTABLE ${SAFE} AS $$
     SELECT m[1]::int * CASE m[2] WHEN 's' THEN 1 WHEN 'm' THEN 60 WHEN 'h' THEN 3600 ELSE 86400 END
       FROM (SELECT pg_catalog.regexp_match(d, '^(\\d+)(s|m|h|d)$') AS m) x
   $$`,
  // The scope a workspace falls in, for the policy's autoheal.scope.
  `CREATE FUNCTION medic.scope_of(kind text, ws uuid) RETURNS text LANGUAGE sql STABLE ${SAFE} AS $$
     SELECT CASE kind
       WHEN 'runtime' THEN 'runtime:' || COALESCE((SELECT w.runtime FROM public.workspaces w WHERE w.id = ws), '?')
       WHEN 'engine' THEN 'engine:' || COALESCE((SELECT p.engine FROM medic.placements p
                                                  WHERE p.container = 'ws-' || pg_catalog.left(ws::text, 12)), '?')
       ELSE 'fleet' END
   $$`,
  // The class of a workspace's last automatic failure (null when its last recovery succeeded).
  `CREATE FUNCTION medic.last_failure_class(ws uuid) RETURNS text LANGUAGE sql STABLE ${SAFE} AS $$
     SELECT CASE WHEN r.outcome = 'failed' THEN r.result ->> 'class' END FROM medic.runs r
      WHERE r.workspace_id = ws AND r.command = 'recover' AND r.outcome IN ('recovered', 'failed')
      ORDER BY r.started_at DESC LIMIT 1
   $$`,
  // The platform's rows in a scope (`class:<name>`: those whose last recovery failed with it).
  `CREATE FUNCTION medic.scope_rows(scope text) RETURNS TABLE (id uuid, status text) LANGUAGE sql STABLE ${SAFE} AS $$
     SELECT w.id, w.status FROM public.workspaces w
      WHERE scope = 'fleet'
         OR scope = 'runtime:' || w.runtime
         OR scope LIKE 'engine:%' AND pg_catalog.substr(scope, 8) = COALESCE((SELECT p.engine FROM medic.placements p
                                                  WHERE p.container = 'ws-' || pg_catalog.left(w.id::text, 12)), '?')
         OR scope LIKE 'class:%' AND medic.last_failure_class(w.id) = pg_catalog.substr(scope, 7)
   $$`,
  // Whether the session's login role may act on this workspace (an agent: only on its engines').
  `CREATE FUNCTION medic.caller_serves(ws uuid) RETURNS boolean LANGUAGE sql STABLE ${SAFE} AS $$
     SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'medic_agent')
         OR NOT pg_catalog.pg_has_role(session_user, 'medic_agent', 'MEMBER')
         OR EXISTS (SELECT 1 FROM medic.placements p JOIN medic.engine_roles r ON r.engine = p.engine
                     WHERE p.container = 'ws-' || pg_catalog.left(ws::text, 12) AND r.role = session_user)
   $$`,
  // A scope's counts: broken (failed, not counted before its last close), failed, total, and
  // the limit max_unhealthy sets for that total.
  `CREATE FUNCTION medic.breaker_counts(k text, baseline uuid[], s jsonb) RETURNS jsonb LANGUAGE sql STABLE ${SAFE} AS $$
     SELECT pg_catalog.jsonb_build_object('broken', c.broken, 'failed', c.failed, 'total', c.total, 'limit',
              CASE WHEN pg_catalog.jsonb_typeof(s -> 'max_unhealthy') = 'number' THEN (s ->> 'max_unhealthy')::int
                   ELSE pg_catalog.floor(c.total * pg_catalog.rtrim(s ->> 'max_unhealthy', '%')::numeric / 100)::int END)
       FROM (SELECT count(*) FILTER (WHERE r.status = 'failed' AND NOT r.id = ANY (baseline)) AS broken,
                    count(*) FILTER (WHERE r.status = 'failed') AS failed,
                    -- A class's limit is a share of the fleet, not of the class.
                    CASE WHEN k LIKE 'class:%' THEN (SELECT count(*) FROM public.workspaces) ELSE count(*) END AS total
               FROM medic.scope_rows(k) r) c
   $$`,
  ...BREAKER_HELPERS,
  BREAKER_ADMIT,
  // Closes a scope's breaker (or resumes its paused healing): the workspaces failed now heal,
  // in waves, and count no longer towards opening it again.
  `CREATE FUNCTION medic.breaker_shut(k text, who text, why text) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER ${SAFE} AS $$
   DECLARE
     b medic.breakers;
     failed uuid[];
   BEGIN
     SELECT * INTO b FROM medic.breakers WHERE scope = k FOR UPDATE;
     IF NOT FOUND OR b.state = 'closed' THEN
       RETURN NULL;
     END IF;
     SELECT COALESCE(pg_catalog.array_agg(r.id), '{}') INTO failed FROM medic.scope_rows(k) r WHERE r.status = 'failed';
     UPDATE medic.breakers SET state = 'closed', closed_at = pg_catalog.now(), closed_by = who, close_reason = why,
            baseline = failed, under_since = NULL, wave = 0, wave_size = 0, wave_admitted = 0, wave_done = 0,
            wave_failed = 0, wave_runs = '{}', wave_failed_runs = '{}'
      WHERE scope = k;
     INSERT INTO medic.breaker_log (scope, kind, by, reason, counts)
     VALUES (k, 'closed', who, why, pg_catalog.jsonb_build_object('was', b.state, 'opened_at', b.opened_at,
                                                                  'skipped', b.skipped, 'failed', pg_catalog.cardinality(failed)));
     RETURN pg_catalog.jsonb_build_object('scope', k, 'was', b.state, 'openedAt', b.opened_at, 'skipped', b.skipped,
                                          'failed', pg_catalog.cardinality(failed));
   END
   $$`,
  'REVOKE EXECUTE ON FUNCTION medic.breaker_shut(text, text, text) FROM PUBLIC',
  // A run admitted into a wave, counted as it ends: failed or not as the trail says; a run
  // that ended before it was stored (busy: another run held the workspace) as not failed.
  // Each run once; an agent only for a workspace on its own engines.
  `CREATE FUNCTION medic.breaker_done(k text, w int, run uuid, ws uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER ${SAFE} AS $$
   DECLARE
     failed boolean;
   BEGIN
     IF NOT medic.caller_serves(ws) THEN
       RAISE EXCEPTION 'workspace % is not on an engine this role serves', ws USING ERRCODE = '42501';
     END IF;
     SELECT r.outcome = 'failed' INTO failed FROM medic.runs r WHERE r.run_id = run AND r.workspace_id = ws;
     UPDATE medic.breakers SET wave_done = wave_done + 1, wave_failed = wave_failed + COALESCE(failed, false)::int,
            wave_runs = wave_runs || run, wave_touched_at = pg_catalog.now(),
            wave_failed_runs = CASE WHEN failed THEN wave_failed_runs || run ELSE wave_failed_runs END
      WHERE scope = k AND wave = w AND NOT run = ANY (wave_runs);
   END
   $$`,
  // The open breakers looked at without a recovery to admit (the watchers' sweeps): each one
  // under its limit for close_after closes; finished waves end. Returns the scopes it closed.
  `CREATE FUNCTION medic.breaker_tick() RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER ${SAFE} AS $$
   DECLARE
     s jsonb := medic.autoheal();
     close_s int := COALESCE(medic.duration_s(s ->> 'close_after'), 600);
     b medic.breakers;
     c jsonb;
     closed jsonb := '[]'::jsonb;
   BEGIN
     FOR b IN SELECT * FROM medic.breakers WHERE state = 'open' ORDER BY scope FOR UPDATE SKIP LOCKED LOOP
       c := medic.breaker_counts(b.scope, b.baseline, s);
       IF (c ->> 'broken')::int > (c ->> 'limit')::int THEN
         UPDATE medic.breakers SET under_since = NULL WHERE scope = b.scope;
       ELSIF b.under_since IS NULL THEN
         UPDATE medic.breakers SET under_since = pg_catalog.now() WHERE scope = b.scope;
       ELSIF b.under_since <= pg_catalog.now() - pg_catalog.make_interval(secs => close_s) THEN
         closed := closed || pg_catalog.jsonb_build_array(medic.breaker_shut(b.scope, 'medic',
           pg_catalog.format('under the limit (%s of %s) for %s', c ->> 'broken', c ->> 'limit', s ->> 'close_after')));
       END IF;
     END LOOP;
     -- Waves with nothing in flight and few left broken end (the next breakage starts from the canary).
     UPDATE medic.breakers x SET wave = 0, wave_size = 0, wave_admitted = 0, wave_done = 0, wave_failed = 0,
            wave_runs = '{}', wave_failed_runs = '{}'
      WHERE x.state = 'closed' AND x.wave > 0 AND x.wave_done >= x.wave_admitted
        AND (medic.breaker_counts(x.scope, x.baseline, s) ->> 'failed')::int <= GREATEST((s ->> 'canary')::int, 1);
     RETURN closed;
   END
   $$`,
];
