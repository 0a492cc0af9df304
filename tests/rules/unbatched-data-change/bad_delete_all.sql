DELETE FROM patients;
