CREATE TABLE books (id bigint PRIMARY KEY, title text);
CREATE INDEX books_title_idx ON books (title);
