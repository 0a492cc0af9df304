BEGIN;
ALTER TABLE small_lookup ADD COLUMN note text;
COMMIT;

START TRANSACTION;
ALTER TABLE small_lookup ADD COLUMN label text;
SAVEPOINT after_label;
