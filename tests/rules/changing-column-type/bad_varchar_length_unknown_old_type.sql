-- Free only if the column is varchar(255) or shorter now; pgsafe cannot see that, so it is flagged.
ALTER TABLE patients ALTER COLUMN email TYPE varchar(255);
