-- A DO block runs as a function: CONCURRENTLY is refused there (ERROR 25001).
DO $$
BEGIN
    CREATE INDEX CONCURRENTLY IF NOT EXISTS measurements_taken_at_idx ON measurements (taken_at);
END
$$;
