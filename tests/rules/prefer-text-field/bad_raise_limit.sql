-- Raising the limit is only a catalog change, but it still takes ACCESS EXCLUSIVE.
ALTER TABLE patients ALTER COLUMN email TYPE varchar(320);
