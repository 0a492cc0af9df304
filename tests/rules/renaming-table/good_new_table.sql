CREATE TABLE visit (id bigint PRIMARY KEY);
ALTER TABLE visit RENAME TO visits;
