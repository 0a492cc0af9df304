CREATE TABLE visits (id bigint PRIMARY KEY, scratch text);
ALTER TABLE visits DROP COLUMN scratch;
