CREATE INDEX ON measurements (value);
