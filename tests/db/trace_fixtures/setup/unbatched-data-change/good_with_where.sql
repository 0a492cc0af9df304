CREATE SEQUENCE small_lookup_id_seq OWNED BY small_lookup.id;
ALTER TABLE small_lookup ALTER COLUMN id SET DEFAULT nextval('small_lookup_id_seq') + 100;
