-- Without BEGIN each statement is its own transaction (psql), or the runner decides.
ALTER TABLE measurements ADD COLUMN note text;
CREATE INDEX CONCURRENTLY patients_created_at_idx ON patients (created_at);
