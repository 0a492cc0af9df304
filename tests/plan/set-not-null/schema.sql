CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint, seen_at timestamptz);
INSERT INTO visits SELECT g, g, now() FROM generate_series(1, 20000) g;
