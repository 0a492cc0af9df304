-- No primary key: batched by the unique index over NOT NULL columns.
UPDATE readings SET value = value * 2 + 1;
