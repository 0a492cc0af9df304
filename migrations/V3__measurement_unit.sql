-- Units become mandatory: add the column, fill it, then require it.
ALTER TABLE measurements ADD COLUMN unit text DEFAULT 'mmol/L';
ALTER TABLE measurements ALTER COLUMN unit SET NOT NULL;
