CREATE TABLE measurements (id bigint PRIMARY KEY, value numeric);
CREATE INDEX measurements_value_idx ON measurements (value);
INSERT INTO measurements SELECT g, g FROM generate_series(1, 20000) g;
