-- A relabel from varchar, a rewrite from anything else: the message says which.
ALTER TABLE measurements ALTER COLUMN unit TYPE text;
