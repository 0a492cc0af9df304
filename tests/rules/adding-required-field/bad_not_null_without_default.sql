-- measurements has rows: this fails with "column "unit" contains null values".
ALTER TABLE measurements ADD COLUMN unit text NOT NULL;
