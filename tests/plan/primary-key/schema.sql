CREATE TABLE events (id bigint, kind text);
INSERT INTO events SELECT g, 'k' || g FROM generate_series(1, 20000) g;
