-- The index was created earlier in this file, so its table (and its size) is known.
CREATE INDEX CONCURRENTLY small_lookup_label_idx ON small_lookup (label);
DROP INDEX small_lookup_label_idx;
CREATE INDEX CONCURRENTLY measurements_device_idx ON measurements (device_id);
DROP INDEX measurements_device_idx;
