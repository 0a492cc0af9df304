-- langfuse 20260821121500_backfill_evaluator_v2: one snapshot for the whole backfill
BEGIN;
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SET LOCAL statement_timeout = 0;
INSERT INTO rules (id, name) SELECT id, name FROM legacy ON CONFLICT (id) DO NOTHING;
COMMIT;
