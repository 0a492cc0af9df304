-- Data changes, table creation and drops, triggers, comments and reads.
CREATE TABLE patients (id bigint PRIMARY KEY, name text);
CREATE TABLE doctors (id bigint PRIMARY KEY);
CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint REFERENCES patients (id), value numeric);
CREATE TABLE staging (id bigint, patient_id bigint, value numeric);
CREATE TABLE archive (id bigint, patient_id bigint, value numeric);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER measurements_touch BEFORE UPDATE ON measurements FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO patients VALUES (1, 'a');
INSERT INTO measurements VALUES (1, 1, 1);
INSERT INTO staging VALUES (2, 1, 2);

-- cases
UPDATE measurements SET value = value + 1;
DELETE FROM measurements WHERE value < 0;
INSERT INTO measurements (id, patient_id, value) VALUES (2, 1, 2);
INSERT INTO archive SELECT * FROM staging;
MERGE INTO archive a USING staging s ON a.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.patient_id, s.value);
UPDATE archive a SET value = s.value FROM staging s WHERE a.id = s.id;
SELECT count(*) FROM measurements;
DROP TABLE staging;
DROP TABLE measurements;
CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint REFERENCES patients (id), doctor_id bigint, FOREIGN KEY (doctor_id) REFERENCES doctors (id));
CREATE TABLE copy AS SELECT * FROM staging;
CREATE TRIGGER staging_touch BEFORE UPDATE ON staging FOR EACH ROW EXECUTE FUNCTION touch();
DROP TRIGGER measurements_touch ON measurements;
COMMENT ON TABLE measurements IS 'one row per reading';
CREATE STATISTICS measurements_stats ON patient_id, value FROM measurements;
CREATE VIEW measurement_values AS SELECT id, value FROM measurements;
ALTER TABLE staging RENAME TO staged;
