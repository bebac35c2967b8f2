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

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA medic TO medic_operator;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA medic TO medic_app;
REVOKE INSERT, UPDATE, DELETE ON medic.policies, medic.engine_roles, medic.schema_version FROM medic_app;

REVOKE ALL ON ALL TABLES IN SCHEMA medic FROM medic_agent;
GRANT SELECT ON medic.schema_version, medic.policies, medic.engine_roles, medic.holds TO medic_agent;
-- What its runs tell: their events (the outbox, which it also delivers) and regressions.
GRANT SELECT, INSERT, UPDATE ON medic.outbox, medic.outbox_attempts, medic.regressions TO medic_agent;
GRANT SELECT, INSERT, UPDATE, DELETE
   ON medic.runs, medic.step_events, medic.leases, medic.snapshots,
      medic.engines, medic.placements, medic.tasks
   TO medic_agent;
