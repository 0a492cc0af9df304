-- pgsafe:ignore ban-truncate small_lookup is refilled by the next statement
TRUNCATE small_lookup;
INSERT INTO small_lookup (id, label) VALUES (1, 'a');
