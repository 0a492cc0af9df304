BEGIN;
ALTER TABLE measurements ADD COLUMN note text;
BEGIN;
UPDATE small_lookup SET label = 'x' WHERE id = 1;
COMMIT;
COMMIT;
