BEGIN;
ALTER TABLE measurements
    ADD CONSTRAINT measurements_value_non_negative CHECK (value >= 0) NOT VALID;
-- Still inside the transaction: the ACCESS EXCLUSIVE lock from the ADD is held during the scan.
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_value_non_negative;
COMMIT;
