CREATE TABLE g (id integer);
