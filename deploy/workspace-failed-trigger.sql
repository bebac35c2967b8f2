-- Optional: tells medic the moment the platform marks a workspace `failed`, so `medic watch`
-- and the agents heal it at once instead of at their next look at the rows (MEDIC_LOOK_MS,
-- 1 s). Installed by whoever owns the platform's `workspaces` table (medic never alters that
-- table itself); `medic watch` and `medic agent` notice it when they start and say so.
--
--   psql "$DATABASE_URL" -f deploy/workspace-failed-trigger.sql
--
-- It sends NOTIFY medic_workspace_failed with the row's id, only when a row becomes `failed`
-- (an INSERT as `failed`, or an UPDATE from another status). Remove it with:
--   DROP TRIGGER medic_workspace_failed ON workspaces;
--   DROP FUNCTION medic_notify_workspace_failed();

CREATE OR REPLACE FUNCTION medic_notify_workspace_failed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'failed' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'failed') THEN
    PERFORM pg_notify('medic_workspace_failed', NEW.id::text);
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS medic_workspace_failed ON workspaces;
CREATE TRIGGER medic_workspace_failed
  AFTER INSERT OR UPDATE OF status ON workspaces
  FOR EACH ROW EXECUTE FUNCTION medic_notify_workspace_failed();
