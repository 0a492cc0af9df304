CREATE TABLE devices (name text NOT NULL);
ALTER TABLE devices ADD COLUMN id bigserial PRIMARY KEY;
ALTER TABLE devices ADD COLUMN label text GENERATED ALWAYS AS (upper(name)) STORED;
CREATE TABLE readings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    value numeric,
    doubled numeric GENERATED ALWAYS AS (value * 2) STORED
);
