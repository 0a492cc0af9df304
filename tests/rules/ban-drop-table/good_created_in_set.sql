CREATE TABLE staging (id bigint, payload jsonb);
INSERT INTO staging SELECT id, NULL FROM patients;
DROP TABLE staging;
