ALTER TABLE patients DROP CONSTRAINT patients_pkey;
