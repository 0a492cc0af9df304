-- Views are queried by name too.
ALTER VIEW app.active_patients RENAME TO current_patients;
