CREATE VIEW measurements_value_idx AS SELECT 1 AS one;
CREATE INDEX ON measurements (value);
