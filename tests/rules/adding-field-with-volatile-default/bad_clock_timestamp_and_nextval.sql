ALTER TABLE measurements
    ADD COLUMN imported_at timestamptz DEFAULT clock_timestamp(),
    ADD COLUMN import_seq bigint DEFAULT nextval('measurement_import_seq');
