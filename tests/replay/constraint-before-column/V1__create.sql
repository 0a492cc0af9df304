CREATE TABLE c (id integer PRIMARY KEY, key text NOT NULL);
