-- DEFAULT NULL fills existing rows with NULL, just like no default.
ALTER TABLE patients
    ADD COLUMN status text DEFAULT NULL NOT NULL;
