CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint);
ALTER TABLE visits ALTER COLUMN patient_id SET NOT NULL;
