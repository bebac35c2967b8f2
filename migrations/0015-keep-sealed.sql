-- [keep] Encrypted at rest (src/core/model/data-cipher.ts): a snapshot's `tar` and a blob's
-- `content` are sealed under the key named by `key_id` (null: plaintext). A sealed blob's
-- content cannot be checked against its digest here, so medic checks it where it is opened
-- (a blob that does not open to its digest is never restored); a plaintext one still is.
-- A look's cheap check: the fingerprint (the stats of the last copy's files and folders) taken
-- at the last full read of the volume, and when that was.

ALTER TABLE medic.keep_looks ADD COLUMN fingerprint text, ADD COLUMN full_at timestamptz;

ALTER TABLE medic.snapshots ADD COLUMN key_id text;

ALTER TABLE medic.keep_blobs ADD COLUMN key_id text;

CREATE OR REPLACE FUNCTION medic.keep_blobs_add(blobs jsonb) RETURNS int LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    bad text;
    added int;
  BEGIN
    SELECT x.digest INTO bad FROM pg_catalog.jsonb_to_recordset(blobs) AS x(digest text, b64 text, key_id text)
     WHERE x.key_id IS NULL
       AND x.digest <> 'sha256:' || pg_catalog.encode(pg_catalog.sha256(pg_catalog.decode(x.b64, 'base64')), 'hex')
     LIMIT 1;
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION 'keep_blobs_add: the content given for % does not have that digest', bad USING ERRCODE = '22023';
    END IF;
    INSERT INTO medic.keep_blobs (digest, size, content, key_id)
    SELECT x.digest, CASE WHEN x.key_id IS NULL THEN pg_catalog.length(pg_catalog.decode(x.b64, 'base64')) ELSE x.size END,
           pg_catalog.decode(x.b64, 'base64'), x.key_id
      FROM pg_catalog.jsonb_to_recordset(blobs) AS x(digest text, b64 text, size int, key_id text)
    ON CONFLICT (digest) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
  END
  $$;
