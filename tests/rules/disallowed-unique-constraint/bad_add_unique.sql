ALTER TABLE patients ADD CONSTRAINT patients_mrn_key UNIQUE (mrn);
