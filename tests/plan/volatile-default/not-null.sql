-- NOT NULL proves the backfill reached every row.
ALTER TABLE measurements ADD COLUMN received_at timestamptz NOT NULL DEFAULT clock_timestamp();
