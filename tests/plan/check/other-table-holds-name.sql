CREATE TABLE readings_value (a int, b int, CHECK (a < b));
ALTER TABLE readings ADD CHECK (value > 0);
