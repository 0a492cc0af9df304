ALTER TABLE measurements ADD COLUMN unit text;
ALTER TABL measurements ADD COLUMN note text;
