-- Each existing table is reported; staging is created above, so it is not.
CREATE TABLE staging (id bigint);
DROP TABLE staging, measurements CASCADE;
