CREATE UNIQUE INDEX patient_totals_patient_idx ON patient_totals (patient_id);
REFRESH MATERIALIZED VIEW patient_totals;
