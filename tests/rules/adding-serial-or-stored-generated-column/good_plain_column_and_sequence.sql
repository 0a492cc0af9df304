-- The safe form: a plain column, a sequence default for new rows, then a batched backfill.
CREATE SEQUENCE measurements_seq_no_seq;
ALTER TABLE measurements ADD COLUMN seq_no bigint;
ALTER TABLE measurements ALTER COLUMN seq_no SET DEFAULT nextval('measurements_seq_no_seq');
