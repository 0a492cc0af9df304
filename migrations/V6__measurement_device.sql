-- Which device took the reading. The inline REFERENCES becomes a separate
-- NOT VALID constraint, named as PostgreSQL would name it, then validated.
ALTER TABLE measurements ADD COLUMN device_id bigint REFERENCES devices (id);
