UPDATE measurements SET unit = lower(unit) WHERE id >= 1 AND id < 5001;
DELETE FROM patients WHERE deleted_at < now() - interval '7 years';
INSERT INTO small_lookup (code) VALUES ('x');
