-- A PL/pgSQL function the migration creates and calls runs in the caller's transaction.
CREATE OR REPLACE FUNCTION link_measurements() RETURNS void AS $body$
BEGIN
    ALTER TABLE measurements
        ADD CONSTRAINT measurements_device_fk FOREIGN KEY (device_id) REFERENCES devices (id);
END;
$body$ LANGUAGE plpgsql;

SELECT link_measurements();
DROP FUNCTION link_measurements();
