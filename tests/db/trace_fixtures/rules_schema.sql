-- The objects the rule fixtures (tests/rules/*/*.sql) use, for the model
-- check in tests/db/trace_test.cpp: each fixture runs on its own copy of
-- this database, statement by statement as psql runs it. What only one
-- fixture needs, or what would be in another fixture's way (a column it
-- adds, a table it creates), is in that fixture's setup file,
-- setup/<rule>/<fixture>.sql. The roles reporting and app, the tablespace
-- fast_disk and the database app are made by the test itself (they belong
-- to the server, not to a database). A fixture statement that still cannot
-- run is listed, with why, in cannot_run.txt.
CREATE EXTENSION "uuid-ossp";
CREATE EXTENSION btree_gist;
CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
CREATE TYPE mood AS ENUM ('ok', 'bad');
CREATE TYPE reading_kind AS ENUM ('manual', 'device');
CREATE DOMAIN positive AS int;
ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000) NOT VALID;

CREATE TABLE patients (
    id bigint PRIMARY KEY, name text, mrn text, email text, code text, "Ward" text, first_name text,
    last_name text, middle_name text, birth_year text, birth_date date, born_at timestamptz,
    settings json, tenant_id bigint NOT NULL DEFAULT 1, national_id text, deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT patients_name_check CHECK (name <> '')
);
ALTER TABLE patients ADD CONSTRAINT patients_birth_date_past CHECK (birth_date < '2100-01-01') NOT VALID;
CREATE UNIQUE INDEX patients_mrn_idx ON patients (mrn);
CREATE TABLE devices (id bigint PRIMARY KEY, name text, serial_number text, site text);
CREATE TABLE measurements (
    id bigint PRIMARY KEY, patient_id bigint, device_id bigint, value numeric(10, 2), unit text,
    label text, code text, email text, seq_no integer, public_id uuid, legacy_value numeric,
    taken_at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE measurements_id_seq;
CREATE SEQUENCE measurement_import_seq;
CREATE INDEX measurements_legacy_idx ON measurements (legacy_value);
CREATE INDEX measurements_old_idx ON measurements (label);
ALTER TABLE measurements ENABLE ROW LEVEL SECURITY;
CREATE POLICY measurements_own ON measurements USING (true);
CREATE TABLE small_lookup (id bigint PRIMARY KEY, label text, code text, patient_id bigint);
CREATE TABLE audit_log (id bigint, note text, created_at timestamptz);
CREATE TABLE sites (id bigint PRIMARY KEY, name text);
CREATE TABLE people (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE TABLE bookings (id bigint PRIMARY KEY, room_id bigint, during tstzrange);
CREATE TABLE events (id bigint, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE events_2022 PARTITION OF events FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

-- The views read no table a fixture alters: a column a view uses cannot change its type.
CREATE MATERIALIZED VIEW daily_measurement_totals AS
    SELECT d::date AS day, 0 AS n FROM generate_series(date '2026-01-01', date '2026-01-07', interval '1 day') d;
CREATE UNIQUE INDEX daily_measurement_totals_day_idx ON daily_measurement_totals (day);
CREATE MATERIALIZED VIEW daily_totals AS
    SELECT d::date AS day, 0 AS total FROM generate_series(date '2026-01-01', date '2026-01-07', interval '1 day') d;
CREATE UNIQUE INDEX daily_totals_day_idx ON daily_totals (day);
CREATE MATERIALIZED VIEW patient_counts AS SELECT 1 AS n;
CREATE UNIQUE INDEX patient_counts_n_idx ON patient_counts (n);

CREATE SCHEMA reporting;
CREATE MATERIALIZED VIEW reporting.patient_summary AS SELECT 1 AS id;
CREATE TABLE reporting.daily_totals (day date PRIMARY KEY, total numeric);
CREATE INDEX daily_totals_idx ON reporting.daily_totals (total);
CREATE SCHEMA app;
CREATE DOMAIN app.json AS jsonb;
CREATE VIEW app.active_patients AS SELECT 1 AS id;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, total_cents bigint);
CREATE SCHEMA archive;
CREATE SCHEMA staging;
CREATE TABLE staging.imports (id bigint);

CREATE FOREIGN DATA WRAPPER nowhere;
CREATE SERVER nowhere FOREIGN DATA WRAPPER nowhere;
CREATE FOREIGN TABLE remote_measurements (value integer) SERVER nowhere;

CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER audit_log_touch BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE FUNCTION region_for_new_rows() RETURNS text LANGUAGE sql AS $$ SELECT 'eu' $$;
CREATE PROCEDURE backfill_measurements() LANGUAGE sql AS $$ UPDATE measurements SET unit = unit $$;

INSERT INTO patients (id, name, mrn, email, code, "Ward", first_name, last_name, birth_year)
    VALUES (1, 'a', 'm1', 'a@example.org', 'A', 'w1', 'Ann', 'A', '1970'),
           (2, 'b', 'm2', 'b@example.org', 'B', 'w2', 'Bob', 'B', '1980');
INSERT INTO devices (id, name, serial_number) VALUES (1, 'd1', 's1'), (2, 'd2', 's2');
INSERT INTO measurements (id, patient_id, device_id, value, unit, code, email, seq_no, taken_at)
    VALUES (1, 1, 1, 1.5, 'mmol', 'A', 'a@example.org', 1, '2026-06-01'),
           (2, 2, 2, 2.5, 'mmol', 'B', 'b@example.org', 2, '2026-06-02');
INSERT INTO small_lookup (id, label, code) VALUES (1, 'one', 'A');
INSERT INTO audit_log (id, note) VALUES (1, 'x');
INSERT INTO sites (id, name) VALUES (1, 's');
INSERT INTO orders (id) VALUES (1);
REFRESH MATERIALIZED VIEW daily_measurement_totals;
