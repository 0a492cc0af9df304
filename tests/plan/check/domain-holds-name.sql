CREATE DOMAIN readings_value AS numeric CHECK (VALUE > 0);
ALTER TABLE readings ADD CHECK (value > 0);
