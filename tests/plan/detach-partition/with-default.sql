-- logs has a DEFAULT partition: DETACH … CONCURRENTLY would fail ("cannot detach partitions
-- concurrently when a default partition exists"), so the detach stays as written.
ALTER TABLE logs DETACH PARTITION logs_2020;
