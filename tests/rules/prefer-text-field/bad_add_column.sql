ALTER TABLE patients ADD COLUMN email varchar(255);
