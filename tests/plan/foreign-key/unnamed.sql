ALTER TABLE measurements ADD FOREIGN KEY (device_id) REFERENCES devices;
