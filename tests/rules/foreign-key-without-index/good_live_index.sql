-- patients_pkey (id) exists in the live database (stats.json).
ALTER TABLE patients ADD CONSTRAINT patients_id_fkey FOREIGN KEY (id) REFERENCES people (id) NOT VALID;
