-- [contain] (docs/security.md): row-level security that a session cannot talk its way past,
-- and a trail whose tampering shows.
--
-- - Every function a policy or a trigger calls names what it uses with its schema and pins
--   `search_path = pg_catalog, pg_temp`: a temporary table called `pg_roles` or a function of
--   the session's own is never found before the catalogue's.
-- - An agent's role (a member of medic_agent) reaches the rows of the workspaces placed on its
--   own engines: runs, their steps, snapshots, leases and regressions through the workspace's
--   placement; the outbox rows it wrote itself; tasks and placements of its engines (as before).
--   Every other role sees every row; the owner is not subject to row-level security.
-- - A run that has ended cannot be changed but by the schema's owner; steps are not added to it.
-- - Each run is sealed when it ends, in the same transaction (a deferred trigger, run as the
--   owner): a digest over its content chained to the previous seal's. `medic audit verify`
--   recomputes both and names the first run changed, deleted or never sealed. Only sessions
--   that medic opens (they set `medic.trail = on`) seal: a row written by hand is not sealed,
--   and so it shows.
-- - Tasks and outbox rows carry the role that wrote them, set by the database, not the writer.

-- True for a role that is not an agent's (the app, the operator, the owner, a database
-- without medic's roles): such a role is not scoped to engines.
CREATE FUNCTION medic.unscoped() RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'medic_agent')
        OR NOT pg_catalog.pg_has_role(current_user, 'medic_agent', 'MEMBER')
  $$;

CREATE OR REPLACE FUNCTION medic.may_serve(engine text) RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT medic.unscoped()
        OR EXISTS (SELECT 1 FROM medic.engine_roles r WHERE r.engine = $1 AND r.role = current_user)
  $$;

-- A workspace is an engine's when its container is placed there (the placements an agent
-- may write are its own engines').
CREATE FUNCTION medic.may_serve_workspace(ws uuid) RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT medic.unscoped()
        OR ws IS NOT NULL AND EXISTS (
             SELECT 1 FROM medic.placements p
              WHERE p.container = 'ws-' || pg_catalog.left(ws::text, 12) AND medic.may_serve(p.engine))
  $$;

-- The schema's owner (or a superuser): the one role whose hand on the trail only the seal shows.
CREATE FUNCTION medic.owns_trail() RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')
      FROM pg_catalog.pg_class c WHERE c.oid = 'medic.runs'::pg_catalog.regclass
  $$;

ALTER TABLE medic.runs ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.runs USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id));

ALTER TABLE medic.step_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.step_events
  USING (EXISTS (SELECT 1 FROM medic.runs r WHERE r.run_id = step_events.run_id))
  WITH CHECK (EXISTS (SELECT 1 FROM medic.runs r WHERE r.run_id = step_events.run_id));

ALTER TABLE medic.snapshots ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.snapshots USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id));

ALTER TABLE medic.leases ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.leases USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id));

ALTER TABLE medic.regressions ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.regressions USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id));

ALTER TABLE medic.outbox ADD COLUMN created_by name NOT NULL DEFAULT current_user;

ALTER TABLE medic.tasks ADD COLUMN created_by name NOT NULL DEFAULT current_user;

CREATE FUNCTION medic.stamp_writer() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
  BEGIN
    NEW.created_by := current_user;
    RETURN NEW;
  END
  $$;

CREATE TRIGGER stamp_writer BEFORE INSERT ON medic.outbox FOR EACH ROW EXECUTE FUNCTION medic.stamp_writer();

CREATE TRIGGER stamp_writer BEFORE INSERT ON medic.tasks FOR EACH ROW EXECUTE FUNCTION medic.stamp_writer();

ALTER TABLE medic.outbox ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_writer ON medic.outbox USING (medic.unscoped() OR created_by = current_user) WITH CHECK (medic.unscoped() OR created_by = current_user);

ALTER TABLE medic.outbox_attempts ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_writer ON medic.outbox_attempts
  USING (EXISTS (SELECT 1 FROM medic.outbox o WHERE o.id = outbox_attempts.outbox_id))
  WITH CHECK (EXISTS (SELECT 1 FROM medic.outbox o WHERE o.id = outbox_attempts.outbox_id));

-- An ended run is the trail: not changed, no step added, but by the owner.
CREATE FUNCTION medic.keep_ended_runs() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
  BEGIN
    IF OLD.finished_at IS NOT NULL AND NOT medic.owns_trail() THEN
      RAISE EXCEPTION 'run % has ended: the audit trail is append-only', OLD.run_id USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
  END
  $$;

CREATE TRIGGER keep_ended_runs BEFORE UPDATE ON medic.runs FOR EACH ROW EXECUTE FUNCTION medic.keep_ended_runs();

-- The seal. A run's content is its row's fields (times in microseconds, so that no session's
-- TimeZone changes the text), its result (the snapshot's digest among them) and its steps, as
-- jsonb's text; its digest is sha256 of that text, and its chain sha256 of the previous
-- seal's chain followed by this digest (hex, '' before the first).
CREATE FUNCTION medic.run_content(id uuid) RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.jsonb_build_object(
             'run_id', r.run_id, 'workspace_id', r.workspace_id, 'command', r.command,
             'source', r.source, 'actor', r.actor, 'reason', r.reason, 'dry_run', r.dry_run,
             'force', r.force, 'state', r.state, 'outcome', r.outcome, 'error_code', r.error_code,
             'origin', r.origin, 'result', r.result,
             'started_us', pg_catalog.floor(EXTRACT(epoch FROM r.started_at) * 1000000)::bigint,
             'finished_us', pg_catalog.floor(EXTRACT(epoch FROM r.finished_at) * 1000000)::bigint,
             'steps', COALESCE((
               SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(s.seq, s.name, s.status, s.ms, s.detail) ORDER BY s.seq)
                 FROM medic.step_events s WHERE s.run_id = r.run_id), '[]'::jsonb))::text
      FROM medic.runs r WHERE r.run_id = id
  $$;

CREATE TABLE medic.seals (
  seq bigserial PRIMARY KEY, run_id uuid NOT NULL UNIQUE, content_digest text NOT NULL,
  chain text NOT NULL, sealed_at timestamptz NOT NULL DEFAULT now(), pruned_at timestamptz);

CREATE FUNCTION medic.seal(id uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    digest text;
    prev text;
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM medic.runs r WHERE r.run_id = id AND r.finished_at IS NOT NULL)
       OR EXISTS (SELECT 1 FROM medic.seals s WHERE s.run_id = id) THEN
      RETURN;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('workspace-medic:seal'));
    digest := pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(medic.run_content(id), 'UTF8')), 'hex');
    SELECT s.chain INTO prev FROM medic.seals s ORDER BY s.seq DESC LIMIT 1;
    INSERT INTO medic.seals (run_id, content_digest, chain)
    VALUES (id, digest, pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(COALESCE(prev, '') || digest, 'UTF8')), 'hex'));
  END
  $$;

REVOKE EXECUTE ON FUNCTION medic.seal(uuid) FROM PUBLIC;

-- Whether a run is sealed, for a role that may not read the seals (one bit, no content).
CREATE FUNCTION medic.is_sealed(id uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM medic.seals s WHERE s.run_id = id)
  $$;

-- A run's last steps go in with the statement that ends it, and the seal as that commits:
-- a sealed run takes no more.
CREATE FUNCTION medic.keep_ended_steps() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
  BEGIN
    IF NOT medic.owns_trail() AND medic.is_sealed(NEW.run_id) THEN
      RAISE EXCEPTION 'run % is sealed: no step is added to it', NEW.run_id USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
  END
  $$;

CREATE TRIGGER keep_ended_steps BEFORE INSERT OR UPDATE ON medic.step_events FOR EACH ROW EXECUTE FUNCTION medic.keep_ended_steps();

CREATE FUNCTION medic.seal_ended_run() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  BEGIN
    IF NEW.finished_at IS NOT NULL AND pg_catalog.current_setting('medic.trail', true) = 'on' THEN
      PERFORM medic.seal(NEW.run_id);
    END IF;
    RETURN NULL;
  END
  $$;

CREATE CONSTRAINT TRIGGER seal_ended_run AFTER INSERT OR UPDATE ON medic.runs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION medic.seal_ended_run();

-- Seals are written once; a prune may only mark one whose run it removed.
CREATE FUNCTION medic.keep_seals() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
  BEGIN
    IF medic.owns_trail() THEN
      RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.pruned_at IS NULL AND NEW.pruned_at IS NOT NULL
       AND (NEW.seq, NEW.run_id, NEW.content_digest, NEW.chain, NEW.sealed_at)
           = (OLD.seq, OLD.run_id, OLD.content_digest, OLD.chain, OLD.sealed_at) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the trail''s seals are written once' USING ERRCODE = '42501';
  END
  $$;

CREATE TRIGGER keep_seals BEFORE UPDATE OR DELETE ON medic.seals FOR EACH ROW EXECUTE FUNCTION medic.keep_seals();

-- What `medic audit verify` found, for the dashboard.
CREATE TABLE medic.audit_checks (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), ok boolean NOT NULL,
  sealed int NOT NULL, head_seq bigint, head text, first_bad uuid, problem text, checked_by name NOT NULL DEFAULT current_user);

-- Approvals count people by their GitHub user id (a login can be renamed).
ALTER TABLE medic.approvals ADD COLUMN requester_id bigint, ADD COLUMN approver_ids bigint[] NOT NULL DEFAULT '{}';

-- The runs that ended before this version, sealed in the order they ended.
DO $$
  DECLARE
    r record;
  BEGIN
    FOR r IN SELECT run_id FROM medic.runs WHERE finished_at IS NOT NULL ORDER BY finished_at, run_id LOOP
      PERFORM medic.seal(r.run_id);
    END LOOP;
  END
  $$;
