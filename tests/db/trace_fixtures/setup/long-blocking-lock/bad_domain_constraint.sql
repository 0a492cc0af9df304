-- "Every table with a column of the domain is locked SHARE and scanned."
ALTER TABLE measurements ADD COLUMN score positive DEFAULT 1;
