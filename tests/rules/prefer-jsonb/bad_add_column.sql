ALTER TABLE measurements ADD COLUMN meta json;
