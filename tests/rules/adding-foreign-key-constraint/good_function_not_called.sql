-- A function the migration creates but does not call changes nothing yet.
CREATE FUNCTION link_later() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    ALTER TABLE measurements ADD CONSTRAINT measurements_device_fk FOREIGN KEY (device_id) REFERENCES devices (id);
END
$$;
