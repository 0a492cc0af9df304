ALTER TABLE readings ADD CHECK (value > 0);
