-- The column and its backfill touch the same table: they stay in one transaction.
BEGIN;
ALTER TABLE patients ADD COLUMN initials text;
UPDATE patients SET initials = left(name, 1) WHERE id > 0;
CREATE TABLE audit (id bigint, note text);
INSERT INTO audit VALUES (1, 'added initials');
COMMIT;
