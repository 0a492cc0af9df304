CREATE INDEX CONCURRENTLY measurements_taken_at_idx ON measurements (taken_at);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS patients_email_lower_idx ON patients (lower(email));
