ALTER TABLE small_lookup ADD COLUMN locale text;
