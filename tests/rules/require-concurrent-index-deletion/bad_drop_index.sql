-- pgsafe knows only the index name here, so the table counts as large.
DROP INDEX measurements_legacy_idx;
