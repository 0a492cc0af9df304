BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE patients ADD COLUMN email text;
ALTER TABLE patients ADD COLUMN phone text;
SELECT count(*) FROM patients;
UPDATE small_lookup SET label = 'x' WHERE id = 1;
COMMIT;
