CREATE TABLE visits (
    id serial PRIMARY KEY,
    patient_id integer NOT NULL,
    room smallint,
    tags int4[]
);
