-- Expand: the new column next to the old one; the application writes both,
-- and a later release drops "name".
ALTER TABLE patients ADD COLUMN full_name text;
