-- Not size-aware: 50 rows are enough for the statement to fail.
ALTER TABLE small_lookup ADD COLUMN code text PRIMARY KEY;
