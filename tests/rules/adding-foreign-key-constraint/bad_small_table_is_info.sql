-- small_lookup is below the thresholds in stats.json: reported as info only.
ALTER TABLE small_lookup ADD CONSTRAINT small_lookup_patient_fkey FOREIGN KEY (patient_id) REFERENCES patients (id);
