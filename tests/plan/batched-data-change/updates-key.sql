-- Setting the key the batches walk would move rows between ranges: kept as written.
UPDATE measurements SET id = id + 100000;
