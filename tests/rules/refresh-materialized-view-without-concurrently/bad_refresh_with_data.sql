-- WITH DATA is the default: the view's query runs under ACCESS EXCLUSIVE.
REFRESH MATERIALIZED VIEW reporting.patient_summary WITH DATA;
