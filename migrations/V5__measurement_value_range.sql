-- Reject impossible readings. A CHECK scans the whole table under ACCESS
-- EXCLUSIVE; pgsafe adds it NOT VALID and validates it while traffic goes on.
ALTER TABLE measurements ADD CONSTRAINT measurements_value_range CHECK (value BETWEEN -1000 AND 100000);
