-- WITH NO DATA empties the view without running its query: a brief lock.
REFRESH MATERIALIZED VIEW daily_measurement_totals WITH NO DATA;
