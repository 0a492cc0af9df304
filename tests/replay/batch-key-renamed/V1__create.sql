CREATE TABLE hydra_client (pk bigserial PRIMARY KEY, name text);
INSERT INTO hydra_client (name) SELECT 'c' || g FROM generate_series(1, 10) g;
