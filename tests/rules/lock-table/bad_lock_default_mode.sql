BEGIN;
-- No mode: ACCESS EXCLUSIVE, held until COMMIT.
LOCK TABLE measurements;
UPDATE measurements SET unit = 'mmol/L' WHERE unit = 'mmol';
COMMIT;
