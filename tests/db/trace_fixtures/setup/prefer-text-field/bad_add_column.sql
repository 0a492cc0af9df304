ALTER TABLE patients DROP COLUMN email;
