-- The table has an UPDATE trigger: a batched backfill would fire it on every
-- row, ADD COLUMN fires it on none, so the statement stays as written.
ALTER TABLE audited ADD COLUMN checked_at timestamptz DEFAULT clock_timestamp();
