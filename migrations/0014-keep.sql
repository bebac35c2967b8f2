-- [keep] (docs/recovery.md, "Last good copies"): copies of a healthy workspace's config volume,
-- stored content-addressed.
--
-- - `medic.keep_blobs`: one row per distinct file content (its sha256), shared by every copy
--   and every workspace that holds the same bytes (a template's files are stored once).
-- - `medic.keep_copies`: one row per copy: the workspace, when and by whom it was taken, and
--   its manifest (path, digest, size, mode of each file) with the manifest's own digest, so a
--   look that finds the same content stores nothing.
-- - `medic.keep_looks`: when each workspace was last looked at (a look every MEDIC_KEEP_EVERY),
--   and since when it is at risk (its volume lost files its last copy had), with what it lost.
-- An agent's role reaches the copies and looks of the workspaces on its own engines, and the
-- blobs those copies name (row-level security, as for snapshots); a blob is added only through
-- `medic.keep_blobs_add`, which checks each content against its digest.

CREATE TABLE medic.keep_blobs (
  digest text PRIMARY KEY, size int NOT NULL, content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE medic.keep_copies (
  id bigserial PRIMARY KEY, workspace_id uuid NOT NULL, taken_at timestamptz NOT NULL,
  taken_by text NOT NULL, manifest jsonb NOT NULL, manifest_digest text NOT NULL,
  files int NOT NULL, bytes bigint NOT NULL);

CREATE INDEX keep_copies_workspace ON medic.keep_copies (workspace_id, taken_at DESC);

-- A workspace whose volume lost files its last copy had is at risk from then until a look finds them back.
CREATE TABLE medic.keep_looks (
  workspace_id uuid PRIMARY KEY, looked_at timestamptz NOT NULL,
  at_risk_since timestamptz, missing jsonb);

ALTER TABLE medic.keep_copies ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.keep_copies USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id));

ALTER TABLE medic.keep_looks ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_engine ON medic.keep_looks USING (medic.may_serve_workspace(workspace_id)) WITH CHECK (medic.may_serve_workspace(workspace_id));

-- A blob is read through a copy the role may read.
ALTER TABLE medic.keep_blobs ENABLE ROW LEVEL SECURITY;

CREATE POLICY by_copy ON medic.keep_blobs FOR SELECT USING (
  medic.unscoped() OR EXISTS (
    SELECT 1 FROM medic.keep_copies c
     WHERE c.manifest @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('digest', keep_blobs.digest))));

-- Blobs are added only through this function (run as the owner), which stores a content under
-- its own sha256 and nothing else: no role can put other bytes under a digest that a later
-- copy, another workspace's maybe, will name. Rows already there are left as they are.
CREATE FUNCTION medic.keep_blobs_add(blobs jsonb) RETURNS int LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    bad text;
    added int;
  BEGIN
    SELECT x.digest INTO bad FROM pg_catalog.jsonb_to_recordset(blobs) AS x(digest text, b64 text)
     WHERE x.digest <> 'sha256:' || pg_catalog.encode(pg_catalog.sha256(pg_catalog.decode(x.b64, 'base64')), 'hex')
     LIMIT 1;
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION 'keep_blobs_add: the content given for % does not have that digest', bad USING ERRCODE = '22023';
    END IF;
    INSERT INTO medic.keep_blobs (digest, size, content)
    SELECT x.digest, pg_catalog.length(pg_catalog.decode(x.b64, 'base64')), pg_catalog.decode(x.b64, 'base64')
      FROM pg_catalog.jsonb_to_recordset(blobs) AS x(digest text, b64 text)
    ON CONFLICT (digest) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
  END
  $$;
