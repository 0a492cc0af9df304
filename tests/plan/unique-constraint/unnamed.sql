ALTER TABLE devices ADD UNIQUE (serial);
