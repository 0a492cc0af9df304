-- Each of these gives existing rows a value.
ALTER TABLE measurements ADD COLUMN unit text NOT NULL DEFAULT 'mmol/L';
ALTER TABLE measurements ADD COLUMN note text;
ALTER TABLE patients ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY NOT NULL;
ALTER TABLE patients ADD COLUMN legacy_id bigserial NOT NULL;
ALTER TABLE measurements ADD COLUMN value_x2 numeric GENERATED ALWAYS AS (value * 2) STORED NOT NULL;
