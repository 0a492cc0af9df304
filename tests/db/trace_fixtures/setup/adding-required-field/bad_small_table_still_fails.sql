-- On a table with rows the statement fails (the fixture's point): on an
-- empty one it runs, so its lock is traced.
ALTER TABLE small_lookup DROP COLUMN code;
ALTER TABLE small_lookup DROP CONSTRAINT small_lookup_pkey;
DELETE FROM small_lookup;
