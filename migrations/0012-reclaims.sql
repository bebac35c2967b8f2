-- [defaults] A dead worker's reclaims, counted apart from the item's attempts.

ALTER TABLE medic.jobs ADD COLUMN reclaims int NOT NULL DEFAULT 0;

ALTER TABLE medic.tasks ADD COLUMN reclaims int NOT NULL DEFAULT 0;
