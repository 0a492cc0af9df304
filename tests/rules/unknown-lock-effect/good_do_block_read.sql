-- A PL/pgSQL block is read: its statements are checked one by one.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'measurements' AND column_name = 'note') THEN
        ALTER TABLE measurements ADD COLUMN note text;
    END IF;
END
$$;
