UPDATE measurements SET unit = lower(unit);
