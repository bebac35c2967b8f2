-- [storm] (docs/operations.md, "Fleet-wide breakage"): the breaker and the waves, decided in
-- the database so that every automatic path (each agent, each watcher, the API) sees one
-- state and no role can write it but through these functions.
--
-- - `medic.breakers`: one row per scope (`fleet`, `engine:<name>`, `runtime:<name>`): whether
--   the automatic paths may start recoveries there (`closed`), not while too many of its
--   workspaces are broken at once (`open`), or not until a person says so after a wave failed
--   (`paused`); the wave in progress; the workspaces failed when it last closed (`baseline`:
--   they heal, in waves, but no longer count towards opening it again).
-- - `medic.breaker_admit(ws, person)` is the one door: it counts the scope's broken
--   workspaces from the platform's table, opens or closes (hysteresis), admits a recovery
--   into the current wave, asks it to wait for the wave, or skips it (recorded in
--   `medic.breaker_skips`). It runs as the schema's owner: an agent cannot open, close or
--   forge a wave, and may ask only about workspaces placed on its own engines.
-- - `medic.breaker_done(scope, wave, run)` counts a finished run into its wave, reading the
--   run's outcome from the trail, not from the caller; each run once.
-- - `medic.flapping`: when a workspace was said to be flapping, and when stable again.
-- The platform's table is `public.workspaces` here (a function that runs as the owner names
-- what it reads with its schema).

CREATE TABLE medic.breakers (
  scope text PRIMARY KEY,
  state text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'paused')),
  opened_at timestamptz, opened_counts jsonb, under_since timestamptz,
  closed_at timestamptz, closed_by text, close_reason text,
  baseline uuid[] NOT NULL DEFAULT '{}',
  wave int NOT NULL DEFAULT 0, wave_size int NOT NULL DEFAULT 0, wave_started_at timestamptz,
  wave_touched_at timestamptz, wave_admitted int NOT NULL DEFAULT 0, wave_done int NOT NULL DEFAULT 0,
  wave_failed int NOT NULL DEFAULT 0, wave_runs uuid[] NOT NULL DEFAULT '{}',
  wave_failed_runs uuid[] NOT NULL DEFAULT '{}', skipped bigint NOT NULL DEFAULT 0);

CREATE TABLE medic.breaker_skips (
  scope text NOT NULL, opened_at timestamptz NOT NULL, workspace_id uuid NOT NULL, why text NOT NULL,
  first_at timestamptz NOT NULL DEFAULT now(), last_at timestamptz NOT NULL DEFAULT now(),
  times int NOT NULL DEFAULT 1, PRIMARY KEY (scope, opened_at, workspace_id));

CREATE TABLE medic.breaker_log (
  id bigserial PRIMARY KEY, scope text NOT NULL, kind text NOT NULL, by text NOT NULL, reason text,
  counts jsonb, at timestamptz NOT NULL DEFAULT now());

CREATE TABLE medic.flapping (
  workspace_id uuid PRIMARY KEY, since timestamptz NOT NULL DEFAULT now(), stable_at timestamptz);

ALTER TABLE medic.flapping ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.flapping USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id));

-- The policy's autoheal section, each key at its default when the policy leaves it out.
CREATE FUNCTION medic.autoheal() RETURNS jsonb LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '{"max_unhealthy": "100%", "scope": "fleet", "close_after": "10m", "canary": 2, "max_failure_ratio": 0.5}'::jsonb
           || COALESCE((SELECT p.document -> 'autoheal' FROM medic.policies p ORDER BY p.version DESC LIMIT 1), '{}'::jsonb)
  $$;

-- '30s', '10m', '2h', '1d' in seconds (the policy's grammar; it was checked when applied).
CREATE FUNCTION medic.duration_s(d text) RETURNS int LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT m[1]::int * CASE m[2] WHEN 's' THEN 1 WHEN 'm' THEN 60 WHEN 'h' THEN 3600 ELSE 86400 END
      FROM (SELECT pg_catalog.regexp_match(d, '^(\d+)(s|m|h|d)$') AS m) x
  $$;

-- The scope a workspace falls in, for the policy's autoheal.scope.
CREATE FUNCTION medic.scope_of(kind text, ws uuid) RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE kind
      WHEN 'runtime' THEN 'runtime:' || COALESCE((SELECT w.runtime FROM public.workspaces w WHERE w.id = ws), '?')
      WHEN 'engine' THEN 'engine:' || COALESCE((SELECT p.engine FROM medic.placements p
                                                 WHERE p.container = 'ws-' || pg_catalog.left(ws::text, 12)), '?')
      ELSE 'fleet' END
  $$;

-- The class of a workspace's last automatic failure (null when its last recovery succeeded).
CREATE FUNCTION medic.last_failure_class(ws uuid) RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN r.outcome = 'failed' THEN r.result ->> 'class' END FROM medic.runs r
     WHERE r.workspace_id = ws AND r.command = 'recover' AND r.outcome IN ('recovered', 'failed')
     ORDER BY r.started_at DESC LIMIT 1
  $$;

-- The platform's rows in a scope (`class:<name>`: those whose last recovery failed with it).
CREATE FUNCTION medic.scope_rows(scope text) RETURNS TABLE (id uuid, status text) LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT w.id, w.status FROM public.workspaces w
     WHERE scope = 'fleet'
        OR scope = 'runtime:' || w.runtime
        OR scope LIKE 'engine:%' AND pg_catalog.substr(scope, 8) = COALESCE((SELECT p.engine FROM medic.placements p
                                                 WHERE p.container = 'ws-' || pg_catalog.left(w.id::text, 12)), '?')
        OR scope LIKE 'class:%' AND medic.last_failure_class(w.id) = pg_catalog.substr(scope, 7)
  $$;

-- Whether the session's login role may act on this workspace (an agent: only on its engines').
CREATE FUNCTION medic.caller_serves(ws uuid) RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'medic_agent')
        OR NOT pg_catalog.pg_has_role(session_user, 'medic_agent', 'MEMBER')
        OR EXISTS (SELECT 1 FROM medic.placements p JOIN medic.engine_roles r ON r.engine = p.engine
                    WHERE p.container = 'ws-' || pg_catalog.left(ws::text, 12) AND r.role = session_user)
  $$;

-- A scope's counts: broken (failed, not counted before its last close), failed, total, and
-- the limit max_unhealthy sets for that total.
CREATE FUNCTION medic.breaker_counts(k text, baseline uuid[], s jsonb) RETURNS jsonb LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.jsonb_build_object('broken', c.broken, 'failed', c.failed, 'total', c.total, 'limit',
             CASE WHEN pg_catalog.jsonb_typeof(s -> 'max_unhealthy') = 'number' THEN (s ->> 'max_unhealthy')::int
                  ELSE pg_catalog.floor(c.total * pg_catalog.rtrim(s ->> 'max_unhealthy', '%')::numeric / 100)::int END)
      FROM (SELECT count(*) FILTER (WHERE r.status = 'failed' AND NOT r.id = ANY (baseline)) AS broken,
                   count(*) FILTER (WHERE r.status = 'failed') AS failed,
                   -- A class's limit is a share of the fleet, not of the class.
                   CASE WHEN k LIKE 'class:%' THEN (SELECT count(*) FROM public.workspaces) ELSE count(*) END AS total
              FROM medic.scope_rows(k) r) c
  $$;

CREATE FUNCTION medic.breaker_open(k text, baseline uuid[], counts jsonb) RETURNS medic.breakers LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    named text[];
    b medic.breakers;
  BEGIN
    SELECT pg_catalog.array_agg(x.c) INTO named FROM (
      SELECT 'ws-' || pg_catalog.left(r.id::text, 12) AS c FROM medic.scope_rows(k) r
       WHERE r.status = 'failed' AND NOT r.id = ANY (baseline) ORDER BY 1 LIMIT 10) x;
    counts := counts || pg_catalog.jsonb_build_object('workspaces', pg_catalog.to_jsonb(COALESCE(named, '{}')));
    UPDATE medic.breakers SET state = 'open', opened_at = pg_catalog.now(), opened_counts = counts,
           under_since = NULL, skipped = 0
     WHERE scope = k RETURNING * INTO b;
    INSERT INTO medic.breaker_log (scope, kind, by, reason, counts)
    VALUES (k, 'opened', 'medic', pg_catalog.format('%s of %s broken, over the limit of %s',
                                                   counts ->> 'broken', counts ->> 'total', counts ->> 'limit'), counts);
    RETURN b;
  END
  $$;

CREATE FUNCTION medic.breaker_skip(b medic.breakers, ws uuid, why text, counts jsonb, events text[]) RETURNS jsonb
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    first_skip boolean;
  BEGIN
    INSERT INTO medic.breaker_skips (scope, opened_at, workspace_id, why) VALUES (b.scope, b.opened_at, ws, why)
    ON CONFLICT (scope, opened_at, workspace_id) DO UPDATE SET times = medic.breaker_skips.times + 1, last_at = pg_catalog.now()
    RETURNING (xmax = 0) INTO first_skip;
    UPDATE medic.breakers SET skipped = skipped + 1 WHERE scope = b.scope;
    RETURN pg_catalog.jsonb_build_object('decision', 'skip', 'scope', b.scope, 'state', b.state, 'why', why,
      'counts', COALESCE(b.opened_counts, '{}'::jsonb) || pg_catalog.jsonb_build_object('now', counts),
      'firstSkip', first_skip, 'wave', b.wave, 'events', pg_catalog.to_jsonb(events));
  END
  $$;

-- [storm] The breaker's one door (the head of this file says what the tables hold): for an
-- automatic recovery of `ws`, counts the scope's broken workspaces from the platform's table,
-- opens or closes the breaker (hysteresis), judges the wave that ended, and answers `go` (in
-- wave n), `wait` (for the wave in flight) or `skip` (open or paused; recorded). For a person
-- (or a dry run) it only reads: the state, to be said in the run's steps.
CREATE FUNCTION medic.breaker_admit(ws uuid, person boolean) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    s jsonb := medic.autoheal();
    k text;
    b medic.breakers;
    broken int; unfixed int; total int; lim int; close_s int;
    canary int := GREATEST((s ->> 'canary')::int, 1);
    ratio numeric := (s ->> 'max_failure_ratio')::numeric;
    events text[] := '{}';
    counts jsonb;
    cls text; kc text; c medic.breakers; cc jsonb;
  BEGIN
    IF NOT medic.caller_serves(ws) THEN
      RAISE EXCEPTION 'workspace % is not on an engine this role serves', ws USING ERRCODE = '42501';
    END IF;
    k := medic.scope_of(s ->> 'scope', ws);
    IF person THEN
      -- A person's run (or any dry run) is never held back and writes nothing: it is told.
      SELECT * INTO b FROM medic.breakers WHERE scope = k;
      RETURN pg_catalog.jsonb_build_object('decision', 'go', 'scope', k, 'state', COALESCE(b.state, 'closed'),
        'counts', CASE WHEN b.state IN ('open', 'paused') THEN medic.breaker_counts(k, b.baseline, s) ELSE '{}'::jsonb END,
        'why', CASE b.state WHEN 'open' THEN pg_catalog.format('the %s breaker is open', k)
                            WHEN 'paused' THEN pg_catalog.format('healing in %s is paused after a failed wave', k) END,
        'wave', 0, 'events', '[]'::jsonb);
    END IF;
    INSERT INTO medic.breakers (scope) VALUES (k) ON CONFLICT DO NOTHING;
    SELECT * INTO b FROM medic.breakers WHERE scope = k FOR UPDATE;
    counts := medic.breaker_counts(k, b.baseline, s);
    broken := (counts ->> 'broken')::int;
    unfixed := (counts ->> 'failed')::int;
    total := (counts ->> 'total')::int;
    lim := (counts ->> 'limit')::int;
    close_s := COALESCE(medic.duration_s(s ->> 'close_after'), 600);

    -- The breaker: open past the limit; closed again after close_after under it.
    IF b.state = 'closed' AND broken > lim THEN
      b := medic.breaker_open(k, b.baseline, counts);
      counts := b.opened_counts;
      events := events || 'breaker.opened'::text;
    ELSIF b.state = 'open' AND broken <= lim AND b.under_since IS NULL THEN
      UPDATE medic.breakers SET under_since = pg_catalog.now() WHERE scope = k RETURNING * INTO b;
    ELSIF b.state = 'open' AND broken > lim AND b.under_since IS NOT NULL THEN
      UPDATE medic.breakers SET under_since = NULL WHERE scope = k RETURNING * INTO b;
    ELSIF b.state = 'open' AND b.under_since <= pg_catalog.now() - pg_catalog.make_interval(secs => close_s) THEN
      PERFORM medic.breaker_shut(k, 'medic', pg_catalog.format('under the limit (%s of %s) for %s', broken, lim, s ->> 'close_after'));
      SELECT * INTO b FROM medic.breakers WHERE scope = k;
      events := events || 'breaker.closed'::text;
    END IF;

    -- A wave whose runs have all started and ended (or made no progress for 2 minutes: their
    -- process died) is judged: over max_failure_ratio, the scope pauses for a person.
    IF b.state = 'closed' AND b.wave > 0 AND b.wave_done > 0
       AND (b.wave_admitted >= b.wave_size AND b.wave_done >= b.wave_admitted
            OR b.wave_touched_at < pg_catalog.now() - interval '2 minutes')
       AND b.wave_failed::numeric / b.wave_done > ratio THEN
      counts := counts || pg_catalog.jsonb_build_object('wave', b.wave, 'waveDone', b.wave_done,
                          'waveFailed', b.wave_failed, 'failedRuns', pg_catalog.to_jsonb(b.wave_failed_runs));
      UPDATE medic.breakers SET state = 'paused', opened_at = pg_catalog.now(), opened_counts = counts, skipped = 0
       WHERE scope = k RETURNING * INTO b;
      INSERT INTO medic.breaker_log (scope, kind, by, reason, counts)
      VALUES (k, 'paused', 'medic', pg_catalog.format('wave %s: %s of %s runs failed, over max_failure_ratio %s',
                                                    b.wave, b.wave_failed, b.wave_done, ratio), counts);
      events := events || 'heal.paused'::text;
    END IF;

    IF b.state <> 'closed' THEN
      RETURN medic.breaker_skip(b, ws, CASE b.state
        WHEN 'open' THEN pg_catalog.format('the %s breaker is open (%s of %s broken, limit %s)', k, broken, total, lim)
        ELSE pg_catalog.format('healing in %s is paused (wave %s: %s of %s failed)', k, b.wave, b.wave_failed, b.wave_done) END,
        counts, events);
    END IF;

    -- One class of failure on many workspaces at once (an image gone, a full disk): the
    -- breaker of that class, counted over the fleet; its workspaces wait, the others heal.
    cls := medic.last_failure_class(ws);
    IF cls IS NOT NULL THEN
      kc := 'class:' || cls;
      INSERT INTO medic.breakers (scope) VALUES (kc) ON CONFLICT DO NOTHING;
      SELECT * INTO c FROM medic.breakers WHERE scope = kc FOR UPDATE;
      cc := medic.breaker_counts(kc, c.baseline, s);
      IF c.state = 'closed' AND (cc ->> 'broken')::int > (cc ->> 'limit')::int THEN
        c := medic.breaker_open(kc, c.baseline, cc);
        events := events || 'breaker.opened'::text;
      END IF;
      IF c.state <> 'closed' THEN
        RETURN medic.breaker_skip(c, ws, pg_catalog.format('the %s breaker is open (%s failed workspaces last failed with %s, limit %s)',
                                                           kc, cc ->> 'broken', cls, cc ->> 'limit'), cc, events);
      END IF;
    END IF;

    -- Waves: a few broken in the scope heal at once; more heal a canary wave first, then waves
    -- twice as large while they succeed.
    IF b.wave > 0 AND b.wave_admitted >= b.wave_size AND b.wave_done < b.wave_admitted
       AND b.wave_touched_at >= pg_catalog.now() - interval '2 minutes' THEN
      RETURN pg_catalog.jsonb_build_object('decision', 'wait', 'scope', k, 'state', b.state, 'wave', b.wave,
        'why', pg_catalog.format('waiting for wave %s in %s (%s of %s ended)', b.wave, k, b.wave_done, b.wave_admitted),
        'counts', counts, 'events', pg_catalog.to_jsonb(events));
    END IF;
    -- A wave with nothing in flight ends the waves when few are left broken, or when it is a
    -- while old (30 s: the breakage now is another one, and starts again from the canary).
    IF b.wave > 0 AND (unfixed <= canary OR b.wave_touched_at < pg_catalog.now() - interval '30 seconds')
       AND (b.wave_done >= b.wave_admitted OR b.wave_touched_at < pg_catalog.now() - interval '2 minutes') THEN
      UPDATE medic.breakers SET wave = 0, wave_size = 0, wave_admitted = 0, wave_done = 0, wave_failed = 0,
             wave_runs = '{}', wave_failed_runs = '{}' WHERE scope = k RETURNING * INTO b;
    ELSIF b.wave > 0 AND b.wave_admitted >= b.wave_size THEN
      UPDATE medic.breakers SET wave = b.wave + 1, wave_size = b.wave_size * 2, wave_started_at = pg_catalog.now(),
             wave_touched_at = pg_catalog.now(), wave_admitted = 0, wave_done = 0, wave_failed = 0,
             wave_runs = '{}', wave_failed_runs = '{}' WHERE scope = k RETURNING * INTO b;
    END IF;
    IF b.wave = 0 AND unfixed > canary THEN
      UPDATE medic.breakers SET wave = 1, wave_size = canary, wave_started_at = pg_catalog.now(),
             wave_touched_at = pg_catalog.now(), wave_admitted = 0, wave_done = 0, wave_failed = 0,
             wave_runs = '{}', wave_failed_runs = '{}' WHERE scope = k RETURNING * INTO b;
    END IF;
    IF b.wave > 0 THEN
      UPDATE medic.breakers SET wave_admitted = wave_admitted + 1, wave_touched_at = pg_catalog.now()
       WHERE scope = k RETURNING * INTO b;
    END IF;
    RETURN pg_catalog.jsonb_build_object('decision', 'go', 'scope', k, 'state', b.state, 'wave', b.wave,
      'waveSize', b.wave_size, 'counts', counts, 'events', pg_catalog.to_jsonb(events));
  END
  $$;

-- Closes a scope's breaker (or resumes its paused healing): the workspaces failed now heal,
-- in waves, and count no longer towards opening it again.
CREATE FUNCTION medic.breaker_shut(k text, who text, why text) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
  $$;

REVOKE EXECUTE ON FUNCTION medic.breaker_shut(text, text, text) FROM PUBLIC;

-- A run admitted into a wave, counted as it ends: failed or not as the trail says; a run
-- that ended before it was stored (busy: another run held the workspace) as not failed.
-- Each run once; an agent only for a workspace on its own engines.
CREATE FUNCTION medic.breaker_done(k text, w int, run uuid, ws uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
  $$;

-- The open breakers looked at without a recovery to admit (the watchers' sweeps): each one
-- under its limit for close_after closes; finished waves end. Returns the scopes it closed.
CREATE FUNCTION medic.breaker_tick() RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
  $$;
