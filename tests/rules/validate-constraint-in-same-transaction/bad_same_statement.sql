-- DROP COLUMN takes ACCESS EXCLUSIVE, and the validation scan runs inside the same statement.
ALTER TABLE measurements
    VALIDATE CONSTRAINT measurements_value_non_negative,
    DROP COLUMN legacy_value;
