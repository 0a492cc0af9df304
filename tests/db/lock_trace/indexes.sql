-- Index builds, drops and rebuilds, plain and CONCURRENTLY.
CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint, value numeric);
CREATE INDEX measurements_value_idx ON measurements (value);
INSERT INTO measurements SELECT g, g % 10, g FROM generate_series(1, 100) g;

-- cases
CREATE INDEX measurements_patient_idx ON measurements (patient_id);
CREATE UNIQUE INDEX measurements_patient_value_idx ON measurements (patient_id, value);
-- blocker: INSERT INTO measurements VALUES (1000, 1, 1)
CREATE INDEX CONCURRENTLY measurements_patient_idx ON measurements (patient_id);
DROP INDEX measurements_value_idx;
-- blocker: SELECT count(*) FROM measurements
DROP INDEX CONCURRENTLY measurements_value_idx;
REINDEX INDEX measurements_value_idx;
REINDEX TABLE measurements;
-- blocker: INSERT INTO measurements VALUES (1000, 1, 1)
REINDEX INDEX CONCURRENTLY measurements_value_idx;
-- blocker: INSERT INTO measurements VALUES (1000, 1, 1)
REINDEX TABLE CONCURRENTLY measurements;
ALTER INDEX measurements_value_idx RENAME TO measurements_v_idx;
ALTER INDEX measurements_value_idx SET (fillfactor = 70);
ALTER INDEX measurements_value_idx SET TABLESPACE pg_default;
