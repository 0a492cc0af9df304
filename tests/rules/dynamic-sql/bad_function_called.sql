-- A function the migration creates and then calls: its body is read at the call.
CREATE FUNCTION add_audit_column(tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER TABLE ' || quote_ident(tbl) || ' ADD COLUMN audited_at timestamptz';
END
$$;

SELECT add_audit_column('measurements');
