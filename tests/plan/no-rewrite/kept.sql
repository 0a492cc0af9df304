-- pgsafe:no-rewrite the table is tiny in every environment
CREATE INDEX measurements_value_idx ON measurements (value);
CREATE INDEX measurements_value_id_idx ON measurements (value, id);
