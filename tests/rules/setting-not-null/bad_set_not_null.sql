ALTER TABLE measurements ALTER COLUMN patient_id SET NOT NULL;
