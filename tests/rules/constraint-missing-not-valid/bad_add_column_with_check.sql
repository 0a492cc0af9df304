-- A column constraint cannot be NOT VALID, and PostgreSQL still scans every row to check it.
ALTER TABLE patients ADD COLUMN weight_kg numeric CHECK (weight_kg > 0);
