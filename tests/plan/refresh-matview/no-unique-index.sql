-- No unique index is known: CONCURRENTLY would fail, so the refresh stays as written.
REFRESH MATERIALIZED VIEW patient_counts;
