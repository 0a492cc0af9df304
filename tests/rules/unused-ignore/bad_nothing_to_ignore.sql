-- pgsafe:ignore ban-truncate the table is emptied on purpose
DELETE FROM small_lookup WHERE id = 42;
