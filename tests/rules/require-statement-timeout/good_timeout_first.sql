SET statement_timeout = '5min';
ALTER TABLE measurements ALTER COLUMN value TYPE numeric(12, 4);
