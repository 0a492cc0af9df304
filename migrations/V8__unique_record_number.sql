-- One patient per record number. ADD UNIQUE builds its index under ACCESS
-- EXCLUSIVE; pgsafe builds it CONCURRENTLY, then attaches it with USING INDEX.
ALTER TABLE patients ADD CONSTRAINT patients_medical_record_number_key UNIQUE (medical_record_number);
