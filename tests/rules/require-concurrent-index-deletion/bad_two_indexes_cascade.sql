DROP INDEX IF EXISTS reporting.daily_totals_idx, reporting.weekly_totals_idx CASCADE;
