-- No table: every table of the database, one after the other.
VACUUM FULL;
CLUSTER;
