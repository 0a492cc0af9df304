CREATE INDEX CONCURRENTLY measurements_patient_id_taken_at_device_id_unit_value_covering_idx
    ON measurements (patient_id, taken_at, device_id, unit, value);
