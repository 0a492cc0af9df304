ALTER TABLE readings ADD CONSTRAINT readings_value_positive CHECK (value > 0);
