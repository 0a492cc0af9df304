BEGIN;
CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint NOT NULL, started_at timestamptz);
CREATE INDEX visits_patient_id_idx ON visits (patient_id);
CREATE INDEX ON visits (started_at);
COMMIT;
