VACUUM (FULL, ANALYZE) measurements, small_lookup;
