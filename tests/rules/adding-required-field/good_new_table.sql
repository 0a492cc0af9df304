-- visits is created in this migration set: it is empty, so NOT NULL without a default works.
CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint NOT NULL);
ALTER TABLE visits ADD COLUMN reason text NOT NULL;
