DROP INDEX CONCURRENTLY IF EXISTS measurements_legacy_idx;
DROP INDEX CONCURRENTLY reporting.daily_totals_idx;
