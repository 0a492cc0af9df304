ALTER TABLE measurements ADD COLUMN sample_weight double precision DEFAULT random();
