ALTER TABLE measurements DROP COLUMN seq_no;
