-- Each batch would see the earlier batches' writes: kept as written.
UPDATE measurements SET value = value + (SELECT max(value) FROM measurements);
