CREATE TABLE events (id bigint, kind text);
INSERT INTO events SELECT g, 'k' || g FROM generate_series(1, 20000) g;
CREATE TABLE owned (id bigint PRIMARY KEY, project_id bigint NOT NULL);
INSERT INTO owned SELECT g, g % 7 FROM generate_series(1, 20000) g;
