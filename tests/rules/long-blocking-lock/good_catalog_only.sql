-- Catalog-only or brief: nothing is scanned or rewritten under a blocking lock.
ALTER TABLE measurements ALTER COLUMN value SET STATISTICS 500;
ALTER TABLE measurements SET (fillfactor = 70);
ALTER TABLE measurements ADD COLUMN checked boolean NOT NULL DEFAULT false;
ALTER TABLE measurements ALTER COLUMN note SET STORAGE EXTERNAL;
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_value_check;
COMMENT ON TABLE measurements IS 'one row per reading';
GRANT SELECT ON measurements TO reporting;
REFRESH MATERIALIZED VIEW CONCURRENTLY patient_counts;
ALTER FOREIGN TABLE remote_measurements ALTER COLUMN value TYPE numeric;
