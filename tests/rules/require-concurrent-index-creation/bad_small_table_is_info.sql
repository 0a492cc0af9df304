-- small_lookup is below the thresholds in stats.json: reported as info only.
CREATE INDEX small_lookup_label_idx ON small_lookup (label);
