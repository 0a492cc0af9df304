-- The tables the rule fixtures (tests/rules/*/*.sql) alter, for the model
-- check in tests/db/trace_test.cpp: each fixture runs on a copy of this
-- schema. A fixture statement that needs something else fails on the
-- server and ends that fixture's trace (counted, not a failure).
CREATE TABLE patients (
    id bigint PRIMARY KEY, name text, mrn text, email text, note text, code text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE devices (id bigint PRIMARY KEY, name text, serial_number text, note text);
CREATE TABLE measurements (
    id bigint PRIMARY KEY, patient_id bigint, device_id bigint, value numeric(10, 2), unit text, source text,
    note text, label text, code text, email text, seq_no integer, public_id uuid,
    taken_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE small_lookup (id bigint PRIMARY KEY, label text, code text, note text, patient_id bigint);
CREATE TABLE audit_log (id bigint PRIMARY KEY, note text, created_at timestamptz);
INSERT INTO patients (id, name) VALUES (1, 'a'), (2, 'b');
INSERT INTO measurements (id, patient_id, value, note) VALUES (1, 1, 1.5, 'x'), (2, 2, 2.5, 'y');
INSERT INTO small_lookup (id, label) VALUES (1, 'one');
