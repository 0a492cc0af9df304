ALTER TABLE measurements ADD COLUMN checked_at timestamptz DEFAULT clock_timestamp();
