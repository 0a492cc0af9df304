CREATE UNIQUE INDEX ON measurements (lower(note), id);
