-- CONCURRENTLY is refused on a partitioned table: the statement stays as written, flagged.
CREATE INDEX events_kind_idx ON events (kind);
