-- Later statements that lock the same table ACCESS EXCLUSIVE would hold it anyway.
BEGIN;
ALTER TABLE measurements ADD COLUMN note text;
ALTER TABLE measurements ADD COLUMN source text;
SAVEPOINT s;
ALTER TABLE measurements ALTER COLUMN note SET DEFAULT '';
COMMIT;
