-- REINDEX SYSTEM has no CONCURRENTLY form; a table created in this set is empty.
REINDEX SYSTEM clinic;
CREATE TABLE visits (id bigint PRIMARY KEY);
REINDEX TABLE visits;
