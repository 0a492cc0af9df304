-- Numbering the rows of a 41 M row table: every row gets a sequence value.
ALTER TABLE measurements ADD COLUMN seq_no bigserial;
