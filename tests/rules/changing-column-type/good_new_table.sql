CREATE TABLE visits (id integer PRIMARY KEY, note varchar(20));
ALTER TABLE visits ALTER COLUMN id TYPE bigint, ALTER COLUMN note TYPE text;
