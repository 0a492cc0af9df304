ALTER TABLE small_lookup ADD COLUMN note text;
