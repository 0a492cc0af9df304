CREATE TABLE measurements (id bigint PRIMARY KEY, value numeric);
INSERT INTO measurements SELECT g, g FROM generate_series(1, 25000) g;
