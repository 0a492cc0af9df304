-- ALTER TABLE subcommands, one lock level class after the other.
CREATE TABLE patients (id bigint PRIMARY KEY, name text);
CREATE TABLE doctors (id bigint PRIMARY KEY);
CREATE TABLE measurements (
    id bigserial PRIMARY KEY,
    patient_id bigint,
    value numeric(10, 2),
    note varchar(20),
    taken_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX measurements_value_idx ON measurements (value);
CREATE UNIQUE INDEX measurements_note_idx ON measurements (note);
ALTER TABLE measurements ADD CONSTRAINT measurements_value_check CHECK (value > 0) NOT VALID;
ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk FOREIGN KEY (patient_id) REFERENCES patients (id) NOT VALID;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER measurements_touch BEFORE UPDATE ON measurements FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO patients VALUES (1, 'a'), (2, 'b');
INSERT INTO measurements (patient_id, value, note) VALUES (1, 1.5, 'x'), (2, 2.5, 'y');
CREATE TABLE devices (id bigint NOT NULL);
CREATE UNIQUE INDEX devices_id_idx ON devices (id);
CREATE UNLOGGED TABLE scratch (id int);
CREATE VIEW recent AS SELECT id, name FROM patients;
CREATE MATERIALIZED VIEW patient_counts AS SELECT patient_id, count(*) AS n FROM measurements GROUP BY patient_id;

-- cases

-- SHARE UPDATE EXCLUSIVE
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_value_check;
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_patient_fk;
ALTER TABLE measurements ALTER COLUMN value SET STATISTICS 500;
ALTER TABLE measurements ALTER COLUMN value SET (n_distinct = 100);
ALTER TABLE measurements SET (fillfactor = 70);
ALTER TABLE measurements SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE measurements RESET (fillfactor);
ALTER TABLE measurements CLUSTER ON measurements_value_idx;
ALTER TABLE measurements SET WITHOUT CLUSTER;
ALTER TABLE measurements SET (fillfactor = 80), ALTER COLUMN note SET STATISTICS 100;
ALTER MATERIALIZED VIEW patient_counts SET (fillfactor = 50);

-- SHARE ROW EXCLUSIVE, on both tables for a foreign key
ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk2 FOREIGN KEY (patient_id) REFERENCES patients (id);
ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk3 FOREIGN KEY (patient_id) REFERENCES patients (id) NOT VALID;
ALTER TABLE measurements DISABLE TRIGGER measurements_touch;
ALTER TABLE measurements ENABLE TRIGGER ALL;

-- ACCESS EXCLUSIVE
ALTER TABLE measurements ADD COLUMN device text;
ALTER TABLE measurements ADD COLUMN checked boolean NOT NULL DEFAULT false;
ALTER TABLE measurements ADD COLUMN ref uuid DEFAULT gen_random_uuid();
ALTER TABLE measurements ADD COLUMN doctor_id bigint REFERENCES doctors (id);
ALTER TABLE measurements ADD COLUMN doubled numeric GENERATED ALWAYS AS (value * 2) STORED;
ALTER TABLE measurements DROP COLUMN note;
ALTER TABLE measurements ALTER COLUMN value TYPE numeric(12, 2);
ALTER TABLE measurements ALTER COLUMN note TYPE text;
ALTER TABLE measurements ALTER COLUMN patient_id SET NOT NULL;
ALTER TABLE measurements ALTER COLUMN taken_at DROP NOT NULL;
ALTER TABLE measurements ALTER COLUMN value SET DEFAULT 0;
ALTER TABLE measurements ALTER COLUMN note SET STORAGE EXTERNAL;
ALTER TABLE measurements ADD CONSTRAINT measurements_value_positive CHECK (value > 0);
ALTER TABLE measurements ADD CONSTRAINT measurements_note_key UNIQUE (note);
ALTER TABLE measurements ADD CONSTRAINT measurements_note_key2 UNIQUE USING INDEX measurements_note_idx;
ALTER TABLE measurements DROP CONSTRAINT measurements_value_check;
ALTER TABLE measurements DROP CONSTRAINT measurements_patient_fk;
ALTER TABLE measurements ALTER CONSTRAINT measurements_patient_fk DEFERRABLE;
ALTER TABLE doctors SET UNLOGGED;
ALTER TABLE scratch SET LOGGED;
ALTER TABLE measurements SET TABLESPACE pg_default;
ALTER TABLE measurements SET ACCESS METHOD heap;
ALTER TABLE measurements ENABLE ROW LEVEL SECURITY;
ALTER TABLE measurements REPLICA IDENTITY FULL;
ALTER TABLE measurements OWNER TO CURRENT_USER;
ALTER TABLE measurements ALTER COLUMN id DROP DEFAULT, ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_value_check, ADD COLUMN extra int;
ALTER TABLE devices ADD PRIMARY KEY USING INDEX devices_id_idx;
ALTER VIEW recent SET (security_barrier = true);
ALTER TABLE patients RENAME TO people;
ALTER TABLE measurements RENAME COLUMN note TO remark;
ALTER TABLE measurements RENAME CONSTRAINT measurements_value_check TO value_check;
