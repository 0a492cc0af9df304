ALTER TABLE patients DROP COLUMN middle_name;
