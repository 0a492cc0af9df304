ALTER TABLE measurements ADD COLUMN device_id int;
