ALTER TABLE measurements ADD COLUMN note text;
ALTER TABLE measurements ADD CONSTRAINT measurements_value_check CHECK (value < 1e6) NOT VALID;
