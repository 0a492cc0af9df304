-- small_lookup is below the thresholds in stats.json: reported as info only.
REINDEX TABLE small_lookup;
