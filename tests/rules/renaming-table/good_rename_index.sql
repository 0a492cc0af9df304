-- Application code does not name indexes.
ALTER INDEX measurements_pkey RENAME TO measurements_id_pkey;
