-- NOT VALID checks only new values: no table lock, no scan.
ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;
ALTER DOMAIN positive DROP CONSTRAINT positive_small;
ALTER DOMAIN positive SET DEFAULT 1;
CREATE DOMAIN score AS int CHECK (VALUE >= 0);
