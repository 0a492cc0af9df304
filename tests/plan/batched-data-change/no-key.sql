-- No primary key and no unique index over NOT NULL columns of the whole table: kept as written.
UPDATE keyless SET value = value * 2 + 1;
