-- Deleting a patient would scan all of visits for rows that still reference it.
CREATE TABLE visits (
    id bigint PRIMARY KEY,
    patient_id bigint NOT NULL REFERENCES patients (id),
    reason text
);
