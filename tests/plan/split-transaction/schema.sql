CREATE TABLE measurements (id bigint PRIMARY KEY, value numeric);
CREATE TABLE patients (id bigint PRIMARY KEY, name text);
INSERT INTO measurements SELECT g, g FROM generate_series(1, 20000) g;
INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 1000) g;
CREATE TABLE counters (id serial PRIMARY KEY, v int);
INSERT INTO counters (v) SELECT generate_series(1, 100);
