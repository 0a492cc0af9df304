ALTER TABLE measurements ADD COLUMN note text;
ALTER TABLE patients ADD COLUMN note text;
