DELETE FROM small_lookup WHERE id = 42;
