DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'measurements_taken_at_idx') THEN
        CREATE INDEX measurements_taken_at_idx ON measurements (taken_at);
    END IF;
END
$$;
