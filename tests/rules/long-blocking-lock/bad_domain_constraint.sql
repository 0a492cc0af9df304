-- Every table with a column of the domain is locked SHARE and scanned.
ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);
ALTER DOMAIN positive VALIDATE CONSTRAINT positive_small;
ALTER DOMAIN positive SET NOT NULL;
