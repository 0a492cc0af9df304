TRUNCATE TABLE small_lookup, patients CASCADE;
