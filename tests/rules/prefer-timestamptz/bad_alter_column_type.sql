ALTER TABLE patients ALTER COLUMN born_at TYPE timestamp without time zone;
