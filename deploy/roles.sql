-- Least privilege for workspace-medic: three group roles, each with only what its processes
-- need. Run it with psql as the owner of schema `medic` (the role that ran medic's
-- migrations: the first medic process to start against the database), after they ran. It can
-- be run again after an upgrade (new tables are granted the same way).
--
--   medic_operator  the CLI people run: everything medic stores, the policy included.
--   medic_app       the Probot app's replicas: everything but the policy and the engine roles.
--   medic_agent     `medic agent` on each Docker host: its runs, and the rows of the engines
--                   medic.engine_roles gives its login role (row-level security); it reads
--                   the policy, and cannot change it or another engine's placements or tasks.
--
-- Then a login role per process, a member of one group (passwords are examples):
--   CREATE ROLE medic_app_login LOGIN PASSWORD '...' IN ROLE medic_app;
--   CREATE ROLE medic_agent_host1 LOGIN PASSWORD '...' IN ROLE medic_agent;
--   INSERT INTO medic.engine_roles (engine, role) VALUES ('host1', 'medic_agent_host1');
-- Migrations need the owner: start a new version of medic as the owner once, then the others.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'medic_operator') THEN CREATE ROLE medic_operator NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'medic_app') THEN CREATE ROLE medic_app NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'medic_agent') THEN CREATE ROLE medic_agent NOLOGIN; END IF;
END
$$;

GRANT USAGE ON SCHEMA medic TO medic_operator, medic_app, medic_agent;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA medic TO medic_operator, medic_app, medic_agent;
-- The platform's table: read, and its status set (recovered: online; failed to come back: failed).
GRANT SELECT, UPDATE (status, updated_at) ON workspaces TO medic_operator, medic_app, medic_agent;

-- The audit trail is append-only for every role but the schema's owner: a run that has ended
-- is not changed (a trigger refuses it), and its seal (medic.seals) is written by the database
-- as the run ends, never by a role. Only the operator prunes runs; a prune marks their seals.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA medic TO medic_operator;
REVOKE INSERT, UPDATE, DELETE ON medic.seals FROM medic_operator;
GRANT UPDATE (pruned_at) ON medic.seals TO medic_operator;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA medic TO medic_app;
REVOKE INSERT, UPDATE, DELETE ON medic.policies, medic.engine_roles, medic.schema_version,
                                 medic.seals, medic.audit_checks FROM medic_app;
-- The breakers are written only by medic's functions (medic.breaker_admit and breaker_done, run
-- as the owner, for every role; medic.breaker_shut, an operator's `medic breaker close`).
REVOKE INSERT, UPDATE, DELETE ON medic.breakers, medic.breaker_skips, medic.breaker_log FROM medic_operator, medic_app;
GRANT EXECUTE ON FUNCTION medic.breaker_shut(text, text, text) TO medic_operator;
REVOKE DELETE ON medic.runs, medic.step_events FROM medic_app;

-- An agent: row-level security limits every table it writes to its own engines' rows (runs,
-- steps, snapshots, leases and regressions by the workspace's placement; the outbox rows it
-- wrote; its engines' placements and tasks). It deletes no run, step or snapshot.
REVOKE ALL ON ALL TABLES IN SCHEMA medic FROM medic_agent;
GRANT SELECT ON medic.schema_version, medic.policies, medic.engine_roles, medic.holds TO medic_agent;
GRANT SELECT, INSERT, UPDATE ON medic.runs, medic.outbox, medic.regressions, medic.flapping TO medic_agent;
GRANT SELECT ON medic.breakers, medic.breaker_skips, medic.breaker_log TO medic_agent;
GRANT SELECT, INSERT ON medic.step_events, medic.snapshots, medic.outbox_attempts TO medic_agent;
GRANT SELECT ON medic.keep_blobs TO medic_agent;
GRANT SELECT, INSERT, UPDATE, DELETE ON medic.keep_copies, medic.keep_looks TO medic_agent;
GRANT SELECT, INSERT, UPDATE, DELETE
   ON medic.leases, medic.engines, medic.placements, medic.tasks
   TO medic_agent;

-- No temporary tables for an agent: a temporary table is found before the catalogue's unless
-- a function pins its search_path (medic's all do). TEMPORARY is PUBLIC's by default, so it is
-- taken from PUBLIC and given back to every role that had it and is not an agent's. A role
-- made later that needs temporary tables is granted TEMPORARY by name.
DO $$
DECLARE
  r record;
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  FOR r IN SELECT rolname FROM pg_catalog.pg_roles
            WHERE rolname NOT LIKE 'pg\_%' AND NOT pg_catalog.pg_has_role(oid, 'medic_agent', 'MEMBER')
               OR rolname IN ('medic_operator', 'medic_app') LOOP
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), r.rolname);
  END LOOP;
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM medic_agent', current_database());
END
$$;
