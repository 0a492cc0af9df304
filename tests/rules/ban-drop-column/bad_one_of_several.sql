ALTER TABLE measurements
    ADD COLUMN unit text,
    DROP COLUMN IF EXISTS legacy_unit CASCADE;
