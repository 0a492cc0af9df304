-- SET LOCAL outside BEGIN … COMMIT has no effect (PostgreSQL only warns).
SET LOCAL lock_timeout = '2s';
ALTER TABLE measurements ADD COLUMN note text;
