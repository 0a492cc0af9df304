ALTER TABLE measurements SET TABLESPACE fast_disk;
