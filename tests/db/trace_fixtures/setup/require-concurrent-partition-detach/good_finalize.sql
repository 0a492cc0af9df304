-- FINALIZE completes a DETACH … CONCURRENTLY that was interrupted. One is
-- interrupted here: a second session (dblink) detaches while this one
-- holds an older snapshot, and is cancelled while it waits for it.
CREATE EXTENSION dblink;
SELECT dblink_connect('detacher', format('host=%s port=%s dbname=%s user=%s',
    split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'),
    current_database(), current_user));
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM events;
SELECT dblink_send_query('detacher', 'ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY');
DO $$
BEGIN
    WHILE NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'virtualxid' AND NOT granted) LOOP
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$;
SELECT dblink_cancel_query('detacher');
COMMIT;
SELECT * FROM dblink_get_result('detacher', false) AS r(status text);
SELECT dblink_disconnect('detacher');
