-- Reported at the first statement that runs without a timeout: the second ALTER.
SET lock_timeout = '2s';
ALTER TABLE measurements ADD COLUMN note text;
RESET lock_timeout;
ALTER TABLE patients ADD COLUMN note text;
