BEGIN;
CREATE TABLE devices (id bigint PRIMARY KEY);
ALTER TABLE devices ADD COLUMN name text;
INSERT INTO devices (id, name) VALUES (1, 'a');
CREATE INDEX devices_name_idx ON devices (name);
COMMIT;
