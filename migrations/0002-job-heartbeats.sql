-- The app's worker heartbeats the jobs it runs, so a job whose process died can be told apart.

ALTER TABLE medic.jobs ADD COLUMN heartbeat_at timestamptz, ADD COLUMN worker text;
