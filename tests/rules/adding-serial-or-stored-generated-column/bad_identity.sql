-- Identity columns are filled for every existing row too (checked on PostgreSQL 15: the table is rewritten).
ALTER TABLE measurements ADD COLUMN row_id integer GENERATED ALWAYS AS IDENTITY;
