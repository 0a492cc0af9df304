CREATE TABLE legacy (id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE rules (id text PRIMARY KEY, name text NOT NULL);
INSERT INTO legacy VALUES ('a', 'first'), ('b', 'second');
