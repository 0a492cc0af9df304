ALTER TABLE patients ADD EXCLUDE (national_id WITH =);
