-- A function the lock model cannot see into: the block stays whole.
BEGIN;
ALTER TABLE measurements ADD COLUMN unit text;
CREATE FUNCTION unit_default() RETURNS text LANGUAGE sql AS $$ SELECT 'mg' $$;
ALTER TABLE patients ADD COLUMN email text;
COMMIT;
