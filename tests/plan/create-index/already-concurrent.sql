-- Already written the safe way: kept as written, with the online lock budget,
-- and the index named for the runner's cleanup of a failed build.
CREATE INDEX CONCURRENTLY measurements_note_idx ON measurements (note);
