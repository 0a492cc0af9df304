ALTER TABLE measurements ALTER COLUMN taken_at TYPE timestamp with time zone;
