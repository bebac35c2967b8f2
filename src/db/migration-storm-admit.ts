// [storm] The breaker's one door (migration-storm.ts says what the tables hold): for an
// automatic recovery of `ws`, counts the scope's broken workspaces from the platform's table,
// opens or closes the breaker (hysteresis), judges the wave that ended, and answers `go` (in
// wave n), `wait` (for the wave in flight) or `skip` (open or paused; recorded). For a person
// (or a dry run) it only reads: the state, to be said in the run's steps.

const SAFE = 'SET search_path = pg_catalog, pg_temp';

export const BREAKER_ADMIT = `CREATE FUNCTION medic.breaker_admit(ws uuid, person boolean) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER ${SAFE} AS $$
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
   $$`;

// The helpers it calls: open a scope's breaker (what it counted, the first workspaces broken,
// on the log); skip a workspace while a breaker is open or paused (its first skip in this
// opening said as such, each counted).
export const BREAKER_HELPERS: readonly string[] = [
  `CREATE FUNCTION medic.breaker_open(k text, baseline uuid[], counts jsonb) RETURNS medic.breakers LANGUAGE plpgsql ${SAFE} AS $$
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
   $$`,
  `CREATE FUNCTION medic.breaker_skip(b medic.breakers, ws uuid, why text, counts jsonb, events text[]) RETURNS jsonb
   LANGUAGE plpgsql ${SAFE} AS $$
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
   $$`,
];
