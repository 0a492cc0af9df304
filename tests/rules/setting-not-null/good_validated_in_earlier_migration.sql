-- The NOT VALID half ran in an earlier migration; the constraint's name says which column it covers.
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_device_id_not_null;
ALTER TABLE measurements ALTER COLUMN device_id SET NOT NULL;
ALTER TABLE measurements DROP CONSTRAINT measurements_device_id_not_null;
