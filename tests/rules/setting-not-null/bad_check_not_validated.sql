-- The CHECK is still NOT VALID when SET NOT NULL runs: PostgreSQL cannot use it and scans.
ALTER TABLE measurements ADD CONSTRAINT measurements_device_id_not_null CHECK (device_id IS NOT NULL) NOT VALID;
ALTER TABLE measurements ALTER COLUMN device_id SET NOT NULL;
