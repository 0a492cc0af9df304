ALTER TABLE measurements ADD CONSTRAINT measurements_value_non_negative CHECK (value >= 0) NOT VALID;
