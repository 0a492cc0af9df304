-- EXECUTE of a string literal is read and linted like static SQL.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE measurements ADD COLUMN note text';
    ALTER TABLE measurements ADD COLUMN source text;
END
$$;
