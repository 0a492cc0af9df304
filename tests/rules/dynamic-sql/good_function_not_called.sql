-- A trigger function is not run by the migration: its EXECUTE is not flagged.
CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %I.audit VALUES ($1)', TG_TABLE_SCHEMA) USING NEW.id;
    RETURN NEW;
END
$$;
