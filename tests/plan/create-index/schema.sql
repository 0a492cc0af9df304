CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint, value numeric, note text, taken_at timestamptz);
INSERT INTO measurements SELECT g, g % 1000, g, 'n' || g, now() FROM generate_series(1, 20000) g;
