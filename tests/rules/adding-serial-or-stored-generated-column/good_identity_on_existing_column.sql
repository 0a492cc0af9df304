-- Making an existing NOT NULL column an identity keeps its values: no rewrite.
ALTER TABLE measurements ALTER COLUMN seq_no ADD GENERATED ALWAYS AS IDENTITY;
