-- Statement kinds with a lock model (checked against pg_locks by tests/db/lock_trace).
GRANT SELECT ON measurements TO reporting;
REVOKE SELECT ON measurements FROM reporting;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reporting;
GRANT pg_read_all_data TO reporting;
ALTER ROLE reporting SET search_path TO public;
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000) NOT VALID;
CREATE TYPE span8 AS RANGE (subtype = int8);
ALTER SEQUENCE measurements_id_seq OWNED BY measurements.id;
CREATE PUBLICATION everything;
ALTER FUNCTION touch() OWNER TO app;
DROP POLICY measurements_own ON measurements;
DROP TYPE reading_kind;
COMMENT ON TABLE measurements IS 'one row per reading';
