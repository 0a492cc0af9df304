-- pgsafe:ignore ban-truncates
TRUNCATE small_lookup;
