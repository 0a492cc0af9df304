SET statement_timeout = '5min';
SET statement_timeout TO 0;
VACUUM FULL measurements;
