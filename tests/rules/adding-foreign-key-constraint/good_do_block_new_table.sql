-- Inside a DO block too, a table created earlier in the migration is empty.
CREATE TABLE readings (id bigint PRIMARY KEY, patient_id bigint);
DO $$
BEGIN
    ALTER TABLE readings ADD CONSTRAINT readings_patient_fk FOREIGN KEY (patient_id) REFERENCES patients (id);
END
$$;
