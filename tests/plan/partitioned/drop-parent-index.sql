-- An index of a partitioned table cannot be dropped CONCURRENTLY: kept as written.
DROP INDEX events_at_idx;
