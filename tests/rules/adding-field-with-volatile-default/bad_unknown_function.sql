-- pgsafe cannot see how region_for_new_rows() was declared: functions are VOLATILE unless declared otherwise.
ALTER TABLE audit_log ADD COLUMN region text DEFAULT region_for_new_rows();
