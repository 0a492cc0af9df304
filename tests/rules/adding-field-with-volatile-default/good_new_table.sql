CREATE TABLE visits (id bigint PRIMARY KEY);
ALTER TABLE visits ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
