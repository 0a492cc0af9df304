ALTER TABLE measurements ADD COLUMN device_id bigint REFERENCES devices (id);
