CREATE TABLE measurements (id bigint PRIMARY KEY, value numeric);
INSERT INTO measurements SELECT g, g FROM generate_series(1, 25000) g;
-- A table whose rows an UPDATE trigger stamps: ADD COLUMN fires it on none of them.
CREATE TABLE audited (id bigint PRIMARY KEY, value numeric, touched int NOT NULL DEFAULT 0);
INSERT INTO audited SELECT g, g FROM generate_series(1, 25000) g;
CREATE FUNCTION audited_touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.touched := NEW.touched + 1; RETURN NEW; END$$;
CREATE TRIGGER touch BEFORE UPDATE ON audited FOR EACH ROW EXECUTE FUNCTION audited_touch();
