-- Domains, types, policies, publications, statistics, sequences, privileges,
-- roles and owners: the statement kinds migrations use besides tables and indexes.
CREATE DOMAIN positive AS int;
ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000000) NOT VALID;
CREATE TYPE level AS ENUM ('low', 'mid');
CREATE TABLE readings (id bigint PRIMARY KEY, value positive, lvl level);
CREATE TABLE other (id bigint);
CREATE SEQUENCE readings_seq;
INSERT INTO readings VALUES (1, 5, 'low'), (2, 7, 'mid');
CREATE POLICY readings_all ON readings USING (true);
CREATE PUBLICATION all_pub;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;

-- cases
-- Domains: checking existing values locks every table using the domain SHARE.
ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);
ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;
ALTER DOMAIN positive VALIDATE CONSTRAINT positive_small;
ALTER DOMAIN positive SET NOT NULL;
ALTER DOMAIN positive DROP NOT NULL;
ALTER DOMAIN positive DROP CONSTRAINT positive_small;
ALTER DOMAIN positive SET DEFAULT 1;
CREATE DOMAIN score AS int CHECK (VALUE >= 0);
-- Types
CREATE TYPE mood AS ENUM ('happy', 'sad');
ALTER TYPE level ADD VALUE 'high';
CREATE TYPE int8span AS RANGE (subtype = int8);
CREATE TYPE pair AS (a int, b int);
ALTER TYPE level OWNER TO postgres;
-- Policies and row security
CREATE POLICY readings_own ON readings USING (id > 0);
ALTER POLICY readings_all ON readings USING (false);
DROP POLICY readings_all ON readings;
ALTER TABLE readings ENABLE ROW LEVEL SECURITY;
ALTER TABLE readings FORCE ROW LEVEL SECURITY;
-- Publications and statistics
CREATE PUBLICATION readings_pub FOR TABLE readings;
ALTER PUBLICATION all_pub ADD TABLE readings;
CREATE STATISTICS readings_stats ON id, value FROM readings;
-- Sequences
CREATE SEQUENCE counter;
ALTER SEQUENCE readings_seq OWNED BY readings.id;
-- Privileges, roles, owners, functions, event triggers
GRANT SELECT ON readings TO PUBLIC;
REVOKE SELECT ON readings FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;
GRANT pg_read_all_data TO postgres;
ALTER ROLE postgres SET work_mem = '8MB';
ALTER FUNCTION touch() OWNER TO postgres;
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
DROP FUNCTION on_ddl();
CREATE EVENT TRIGGER ddl_watch ON ddl_command_end EXECUTE FUNCTION on_ddl();
CREATE EXTENSION IF NOT EXISTS plpgsql;
