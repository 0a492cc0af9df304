-- The index leads with clinic_id: a lookup by patient_id alone cannot use it.
CREATE TABLE visits (
    id bigint PRIMARY KEY,
    clinic_id bigint NOT NULL,
    patient_id bigint NOT NULL REFERENCES patients (id)
);
CREATE INDEX visits_clinic_id_patient_id_idx ON visits (clinic_id, patient_id);
