ALTER TABLE measurements ALTER COLUMN value TYPE numeric(12, 4);
