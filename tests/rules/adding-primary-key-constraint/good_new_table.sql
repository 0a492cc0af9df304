CREATE TABLE devices (id bigint NOT NULL, serial_number text);
ALTER TABLE devices ADD PRIMARY KEY (id);
CREATE TABLE device_notes (note text);
ALTER TABLE device_notes ADD COLUMN id bigserial PRIMARY KEY;
