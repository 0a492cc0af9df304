-- pgsafe:ignore ban-truncate, ban-drop-table staging data only
TRUNCATE small_lookup;
