ALTER TABLE measurements DROP COLUMN taken_at;
