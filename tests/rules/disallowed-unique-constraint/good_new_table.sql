BEGIN;
CREATE TABLE devices (id bigint PRIMARY KEY, serial_number text NOT NULL);
ALTER TABLE devices ADD CONSTRAINT devices_serial_number_key UNIQUE (serial_number);
ALTER TABLE devices ADD COLUMN asset_tag text UNIQUE;
COMMIT;
