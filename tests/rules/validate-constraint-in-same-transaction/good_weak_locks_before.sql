-- Earlier statements in the block lock the table only weakly, or lock another table.
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE measurements SET (autovacuum_vacuum_scale_factor = 0.01);
UPDATE small_lookup SET label = 'x' WHERE code = 'A';
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_value_non_negative;
COMMIT;
