CREATE INDEX measurements_taken_at_idx ON measurements (taken_at);
