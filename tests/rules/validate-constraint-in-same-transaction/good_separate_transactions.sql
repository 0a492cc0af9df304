BEGIN;
ALTER TABLE measurements
    ADD CONSTRAINT measurements_value_non_negative CHECK (value >= 0) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE measurements VALIDATE CONSTRAINT measurements_value_non_negative;
COMMIT;
