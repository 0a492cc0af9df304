-- Every existing row needs its own UUID: the whole table is written again.
ALTER TABLE patients ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
