ALTER TABLE readings ADD COLUMN score integer CHECK (score >= 0);
