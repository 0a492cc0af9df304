-- The new column is all NULL, but the unique index is still built over every row.
ALTER TABLE measurements ADD COLUMN external_id uuid CONSTRAINT measurements_external_id_key UNIQUE;
