-- A BRIN index serves the dashboards' time ranges at a fraction of the size:
-- build it, then drop the B-tree (both CONCURRENTLY under pgsafe).
CREATE INDEX measurements_taken_at_brin ON measurements USING brin (taken_at);
DROP INDEX measurements_taken_at_idx;
