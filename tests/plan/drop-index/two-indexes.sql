DROP INDEX measurements_value_idx, measurements_note_idx;
