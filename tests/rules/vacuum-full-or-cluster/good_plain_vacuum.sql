VACUUM measurements;
VACUUM ANALYZE patients;
ANALYZE measurements;
VACUUM (FREEZE) measurements;
