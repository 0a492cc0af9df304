ALTER TABLE readings ADD CHECK (low <= high);
