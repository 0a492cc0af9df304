CREATE TABLE y (id text PRIMARY KEY, v integer);
INSERT INTO y SELECT g::text, g FROM generate_series(1, 10) g;
