-- small_lookup is below the thresholds in stats.json: reported as info only.
ALTER TABLE small_lookup ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
