-- Nobody else can be waiting on a table this file creates.
CREATE TABLE books (id bigint PRIMARY KEY, title text);
CREATE INDEX books_title_idx ON books (title);
ALTER TABLE books ADD COLUMN isbn text;
