BEGIN;
CREATE TABLE visits (id bigint PRIMARY KEY, duration_minutes integer NOT NULL);
ALTER TABLE visits ADD CONSTRAINT visits_duration_positive CHECK (duration_minutes > 0);
ALTER TABLE visits ADD COLUMN cost_cents bigint CHECK (cost_cents >= 0);
COMMIT;
