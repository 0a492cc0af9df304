ALTER TABLE patients ALTER COLUMN settings TYPE pg_catalog.json;
