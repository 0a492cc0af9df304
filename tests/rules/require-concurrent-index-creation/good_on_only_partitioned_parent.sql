-- ON ONLY on a partitioned parent builds nothing: it creates an invalid index that
-- the partitions' indexes (built CONCURRENTLY) are attached to.
CREATE INDEX events_created_at_idx ON ONLY events (created_at);
CREATE INDEX CONCURRENTLY events_2026_created_at_idx ON events_2026 (created_at);
ALTER INDEX events_created_at_idx ATTACH PARTITION events_2026_created_at_idx;
