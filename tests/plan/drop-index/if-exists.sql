DROP INDEX IF EXISTS measurements_value_idx;
