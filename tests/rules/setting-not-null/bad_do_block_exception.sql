-- Inside BEGIN … EXCEPTION the statement still runs, and scans the table.
DO $$
BEGIN
    BEGIN
        ALTER TABLE measurements ALTER COLUMN taken_at SET NOT NULL;
    EXCEPTION
        WHEN others THEN RAISE NOTICE 'taken_at stays nullable';
    END;
END
$$;
