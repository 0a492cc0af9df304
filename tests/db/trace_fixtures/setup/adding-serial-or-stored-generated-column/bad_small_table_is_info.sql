ALTER TABLE small_lookup DROP COLUMN id;
