ALTER TABLE measurements DROP COLUMN device_id;
