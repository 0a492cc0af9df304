-- integer -> bigint changes the storage of every row: a full rewrite under ACCESS EXCLUSIVE.
ALTER TABLE measurements ALTER COLUMN value TYPE bigint;
