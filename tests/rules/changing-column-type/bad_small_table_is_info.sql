-- small_lookup is below the thresholds in stats.json: reported as info only.
ALTER TABLE small_lookup ALTER COLUMN id TYPE bigint;
