CREATE UNIQUE INDEX patients_email_lower_idx
    ON patients (lower(email), tenant_id)
    WHERE deleted_at IS NULL;
