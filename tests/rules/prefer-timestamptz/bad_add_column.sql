ALTER TABLE measurements ADD COLUMN taken_at timestamp;
