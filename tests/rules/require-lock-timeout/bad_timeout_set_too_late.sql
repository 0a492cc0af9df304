ALTER TABLE measurements ADD COLUMN note text;
SET lock_timeout = '2s';
