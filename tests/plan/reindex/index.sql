REINDEX INDEX measurements_value_idx;
