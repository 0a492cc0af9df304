ALTER TABLE c ADD COLUMN user_id integer, ADD CONSTRAINT c_user_id_key_unique UNIQUE (user_id, key);
