CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint, value numeric);
INSERT INTO measurements SELECT g, g % 100, g FROM generate_series(1, 20000) g;
CREATE MATERIALIZED VIEW patient_totals AS SELECT patient_id, sum(value) AS total FROM measurements GROUP BY patient_id;
CREATE MATERIALIZED VIEW patient_counts AS SELECT patient_id, count(*) AS n FROM measurements GROUP BY patient_id;
CREATE MATERIALIZED VIEW patient_latest AS SELECT patient_id, max(id) AS latest FROM measurements GROUP BY patient_id WITH NO DATA;
CREATE UNIQUE INDEX patient_latest_patient_idx ON patient_latest (patient_id);
