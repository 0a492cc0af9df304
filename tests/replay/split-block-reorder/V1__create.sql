CREATE TABLE t (id serial PRIMARY KEY, v text);
CREATE TABLE other (id integer);
