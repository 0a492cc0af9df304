BEGIN;
ALTER TABLE measurements ADD COLUMN unit text;
ALTER TABLE patients ADD COLUMN email text;
COMMIT;
