ALTER TABLE measurements SET SCHEMA archive;
