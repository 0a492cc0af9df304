-- small_lookup is below the size thresholds: reported as info.
ALTER TABLE small_lookup ADD COLUMN id serial, ADD COLUMN note text;
