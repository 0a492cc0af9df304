BEGIN;
ALTER TABLE measurements RENAME COLUMN val TO value;
ALTER TABLE patients RENAME COLUMN dob TO birth_date;
UPDATE small_lookup SET label = 'renamed' WHERE id = 7;
COMMIT;
