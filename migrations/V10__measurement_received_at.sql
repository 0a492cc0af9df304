-- When the server received each reading. clock_timestamp() is volatile, so
-- ADD COLUMN … DEFAULT would rewrite the table under ACCESS EXCLUSIVE; pgsafe
-- adds the column bare, sets the default for new rows, backfills the old ones
-- in primary-key batches, then makes it NOT NULL through a validated CHECK.
ALTER TABLE measurements ADD COLUMN received_at timestamptz NOT NULL DEFAULT clock_timestamp();
