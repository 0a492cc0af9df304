ALTER TABLE measurements
    ADD COLUMN unit text,
    ADD CONSTRAINT measurements_device_fk FOREIGN KEY (device_id) REFERENCES devices (id);
