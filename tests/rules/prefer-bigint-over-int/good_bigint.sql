CREATE TABLE visits (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id int8 NOT NULL,
    legacy_id bigserial,
    score numeric(5, 2)
);
ALTER TABLE measurements ADD COLUMN device_id bigint;
ALTER TABLE small_lookup ALTER COLUMN id TYPE bigint;
