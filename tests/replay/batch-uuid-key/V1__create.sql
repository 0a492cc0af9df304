CREATE TABLE x (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), v integer);
INSERT INTO x (v) SELECT g FROM generate_series(1, 10) g;
