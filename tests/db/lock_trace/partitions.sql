-- Partitioned tables: ATTACH and DETACH lock the parent and the partition differently.
CREATE TABLE readings (id bigint, taken_on date NOT NULL, value numeric) PARTITION BY RANGE (taken_on);
CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE readings_2025 (id bigint, taken_on date NOT NULL, value numeric);
INSERT INTO readings VALUES (1, '2024-03-01', 1);
INSERT INTO readings_2025 VALUES (2, '2025-03-01', 2);

-- cases
ALTER TABLE readings ATTACH PARTITION readings_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE readings DETACH PARTITION readings_2024;
-- blocker: SELECT count(*) FROM ONLY readings_2024
ALTER TABLE readings DETACH PARTITION readings_2024 CONCURRENTLY;
CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE readings ALTER COLUMN value SET STATISTICS 200;
ALTER TABLE readings_2024 SET (autovacuum_enabled = false);
