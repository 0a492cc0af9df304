-- "CASCADE drops columns, defaults and triggers of tables the statement does not name."
ALTER TABLE measurements ADD COLUMN kind reading_kind;
