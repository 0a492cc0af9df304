ALTER TABLE patients RENAME COLUMN name TO full_name;
