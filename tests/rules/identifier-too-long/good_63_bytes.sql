-- Exactly 63 bytes is the longest name PostgreSQL keeps whole.
CREATE TABLE patient_measurement_calibration_adjustments_history_archive_202 (id bigint PRIMARY KEY);
