-- The rolled-back block held a strong lock across tables; the next block holds
-- none, so it stays one transaction as the file asks.
BEGIN;
ALTER TABLE measurements ADD COLUMN unit text;
ALTER TABLE patients ADD COLUMN email text;
ROLLBACK;
BEGIN;
INSERT INTO measurements VALUES (100001, 1);
INSERT INTO patients VALUES (100001, 'new');
COMMIT;
