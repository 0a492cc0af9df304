-- The partition exists before the migration: it is locked and scanned.
ALTER TABLE events ATTACH PARTITION measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
