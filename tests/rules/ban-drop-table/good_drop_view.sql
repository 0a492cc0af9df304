-- Dropping a view loses no data; a view is not a table.
DROP VIEW IF EXISTS active_patients;
