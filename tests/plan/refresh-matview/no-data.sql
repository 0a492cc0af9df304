-- patient_latest was created WITH NO DATA: CONCURRENTLY would fail on it
-- ("CONCURRENTLY cannot be used when the materialized view is not populated"),
-- so the refresh stays as written though the view has a unique index.
REFRESH MATERIALIZED VIEW patient_latest;
