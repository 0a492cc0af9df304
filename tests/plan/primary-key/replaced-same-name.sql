-- The new index cannot be built while the old owned_pkey holds the name: kept as written.
ALTER TABLE owned DROP CONSTRAINT owned_pkey, ADD CONSTRAINT owned_pkey PRIMARY KEY (id, project_id);
