ALTER TABLE patients ALTER COLUMN birth_year SET DATA TYPE integer USING birth_year::integer;
