CREATE MATERIALIZED VIEW device_counts AS SELECT device_id, count(*) AS n FROM measurements GROUP BY device_id WITH NO DATA;
REFRESH MATERIALIZED VIEW device_counts;
