-- A table created in this migration set holds nothing anyone needs yet.
CREATE TABLE staging (id bigint);
INSERT INTO staging VALUES (1);
TRUNCATE staging;
