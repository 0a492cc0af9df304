ALTER TABLE small_lookup ALTER COLUMN id TYPE smallint;
