-- A parent measurements can become a partition of: the same columns, and rows inside the bounds.
DROP TABLE events;
CREATE TABLE events (LIKE measurements) PARTITION BY RANGE (taken_at);
UPDATE measurements SET taken_at = '2024-06-01';
