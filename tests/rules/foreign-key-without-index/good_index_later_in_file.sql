CREATE TABLE visits (
    id bigint PRIMARY KEY,
    patient_id bigint NOT NULL REFERENCES patients (id)
);
CREATE INDEX visits_patient_id_idx ON visits (patient_id);
