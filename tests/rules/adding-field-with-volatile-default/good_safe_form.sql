ALTER TABLE patients ADD COLUMN public_id uuid;
ALTER TABLE patients ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
UPDATE patients SET public_id = gen_random_uuid() WHERE id BETWEEN 1 AND 10000 AND public_id IS NULL;
