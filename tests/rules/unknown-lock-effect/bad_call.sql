CALL backfill_measurements();
