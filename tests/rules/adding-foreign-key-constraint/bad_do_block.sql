-- The common guard: add the constraint if it does not exist yet.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'measurements_patient_fk') THEN
        ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk FOREIGN KEY (patient_id) REFERENCES patients (id);
    END IF;
END
$$;
