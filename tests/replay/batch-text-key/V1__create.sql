CREATE TABLE y (id text PRIMARY KEY, v integer);
INSERT INTO y VALUES ('platform', 1), ('enterprise', 2);
