-- small_lookup is below the thresholds in stats.json: reported as info only.
ALTER TABLE small_lookup ADD COLUMN token uuid DEFAULT uuid_generate_v4();
