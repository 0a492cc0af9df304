-- The NOT VALID half of the earlier migration.
ALTER TABLE measurements ADD CONSTRAINT measurements_device_id_not_null CHECK (device_id IS NOT NULL) NOT VALID;
