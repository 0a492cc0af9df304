ALTER INDEX measurements_pkey SET TABLESPACE fast_disk;
