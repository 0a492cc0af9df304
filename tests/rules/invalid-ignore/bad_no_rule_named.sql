-- pgsafe:ignore
TRUNCATE small_lookup;
