BEGIN;
SET LOCAL lock_timeout = '2s';
UPDATE small_lookup SET label = 'x' WHERE id = 1;
ALTER TABLE measurements ADD COLUMN note text;
COMMIT;
