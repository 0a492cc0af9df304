-- A loop over tables whose SQL is built at run time: pgsafe cannot read it.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN tenant_id bigint', t);
    END LOOP;
END
$$;
