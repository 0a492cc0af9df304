CREATE UNIQUE INDEX CONCURRENTLY patients_mrn_key ON patients (mrn);
ALTER TABLE patients ADD CONSTRAINT patients_mrn_key UNIQUE USING INDEX patients_mrn_key;
