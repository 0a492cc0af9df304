CREATE TABLE serials (v text, CONSTRAINT devices_serial_key CHECK (v <> ''));
ALTER TABLE devices ADD UNIQUE (serial);
