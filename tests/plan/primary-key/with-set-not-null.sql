-- One NOT NULL helper for "id", not one per subcommand.
ALTER TABLE events ALTER COLUMN id SET NOT NULL, ADD CONSTRAINT events_pkey PRIMARY KEY (id);
