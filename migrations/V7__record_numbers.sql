-- Two independent columns written as one transaction: the lock on
-- measurements would be held while patients waits for its own. pgsafe runs
-- them as two short transactions.
BEGIN;
ALTER TABLE patients ADD COLUMN medical_record_number text;
ALTER TABLE measurements ADD COLUMN source text;
COMMIT;
