-- The index cannot be built before the statement adds its column: kept as written.
ALTER TABLE devices ADD COLUMN user_id integer, ADD CONSTRAINT devices_user_id_serial_key UNIQUE (user_id, serial);
