CREATE TABLE measurements (id bigint PRIMARY KEY, value numeric, note text);
CREATE INDEX measurements_value_idx ON measurements (value);
CREATE INDEX measurements_note_idx ON measurements (note);
INSERT INTO measurements SELECT g, g, 'n' || g FROM generate_series(1, 20000) g;
