BEGIN;
CREATE INDEX measurements_taken_at_idx ON measurements (taken_at);
ANALYZE measurements;
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;
ALTER TABLE events DETACH PARTITION events_2023 FINALIZE;
REINDEX TABLE small_lookup;
COMMIT;
