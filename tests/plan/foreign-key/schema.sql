CREATE TABLE patients (id bigint PRIMARY KEY, name text);
CREATE TABLE devices (id bigint PRIMARY KEY);
CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint, device_id bigint, value numeric);
INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 1000) g;
INSERT INTO devices SELECT g FROM generate_series(1, 10) g;
INSERT INTO measurements SELECT g, 1 + g % 1000, 1 + g % 10, g FROM generate_series(1, 20000) g;
