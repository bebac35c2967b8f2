-- Least privilege (docs/security.md, deploy/roles.sql): an agent's login role, a member of
-- medic_agent, may see and change only the rows of the engines medic.engine_roles gives it.
-- Every other role (the app, the operator) sees every row; the owner is not subject to it.

CREATE TABLE medic.engine_roles (engine text PRIMARY KEY, role name NOT NULL);

CREATE FUNCTION medic.may_serve(engine text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'medic_agent')
        OR NOT pg_has_role(current_user, 'medic_agent', 'MEMBER')
        OR EXISTS (SELECT 1 FROM medic.engine_roles r WHERE r.engine = $1 AND r.role = current_user)
  $$;

ALTER TABLE medic.engines ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.engines USING (medic.may_serve(name)) WITH CHECK (medic.may_serve(name));

ALTER TABLE medic.placements ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.placements USING (medic.may_serve(engine)) WITH CHECK (medic.may_serve(engine));

ALTER TABLE medic.tasks ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.tasks USING (medic.may_serve(engine)) WITH CHECK (medic.may_serve(engine));
