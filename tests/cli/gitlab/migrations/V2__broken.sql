CREATE TABLE devices (id bigint PRIMARY KEY);
ALTER TABL devices ADD COLUMN serial text;
