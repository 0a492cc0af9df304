-- small_lookup is below the thresholds in stats.json: reported as info only.
ALTER TABLE small_lookup ADD CONSTRAINT small_lookup_code_upper CHECK (code = upper(code));
