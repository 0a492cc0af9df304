-- The inner BEGIN only warns; the first COMMIT closes the block (transaction-nesting reports the BEGIN).
BEGIN;
BEGIN;
COMMIT;
