-- VACUUM, CLUSTER, materialized views, TRUNCATE and explicit LOCK.
CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint, value numeric);
INSERT INTO measurements SELECT g, g % 10, g FROM generate_series(1, 100) g;
CREATE MATERIALIZED VIEW patient_counts AS SELECT patient_id, count(*) AS n FROM measurements GROUP BY patient_id;
CREATE UNIQUE INDEX patient_counts_patient_idx ON patient_counts (patient_id);

-- cases
-- blocker: LOCK TABLE measurements IN SHARE UPDATE EXCLUSIVE MODE
VACUUM measurements;
-- blocker: LOCK TABLE measurements IN SHARE UPDATE EXCLUSIVE MODE
VACUUM (ANALYZE) measurements;
-- blocker: SELECT count(*) FROM measurements
VACUUM FULL measurements;
ANALYZE measurements;
CLUSTER measurements USING measurements_pkey;
REFRESH MATERIALIZED VIEW patient_counts;
REFRESH MATERIALIZED VIEW CONCURRENTLY patient_counts;
TRUNCATE measurements;
LOCK TABLE measurements;
LOCK TABLE measurements IN ACCESS SHARE MODE;
LOCK TABLE measurements IN ROW SHARE MODE;
LOCK TABLE measurements IN ROW EXCLUSIVE MODE;
LOCK TABLE measurements IN SHARE UPDATE EXCLUSIVE MODE;
LOCK TABLE measurements IN SHARE MODE;
LOCK TABLE measurements IN SHARE ROW EXCLUSIVE MODE;
LOCK TABLE measurements IN EXCLUSIVE MODE NOWAIT;
