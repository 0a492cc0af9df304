-- Cut only into consecutive pieces: moving the ALTERs past DROP SEQUENCE would name the identity sequence counters_id_seq1.
BEGIN;
ALTER TABLE counters ALTER id DROP DEFAULT;
DROP SEQUENCE counters_id_seq;
ALTER TABLE counters ALTER id ADD GENERATED ALWAYS AS IDENTITY;
COMMIT;
