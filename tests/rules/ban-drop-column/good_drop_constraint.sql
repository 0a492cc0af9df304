ALTER TABLE patients DROP CONSTRAINT patients_name_check;
