-- A block the file rolls back changes nothing, so the plan runs nothing of it.
BEGIN;
ALTER TABLE measurements ADD COLUMN unit text;
ROLLBACK;
ALTER TABLE patients ADD COLUMN email text;
