-- Both names are cut to 63 bytes: the table is created as "patient_measurement_calibration_adjustments_history_archive_202".
CREATE TABLE patient_measurement_calibration_adjustments_history_archive_2024 (
    id bigint PRIMARY KEY,
    calibration_adjustment_reason_entered_by_the_reviewing_clinician text
);
