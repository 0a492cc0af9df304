CREATE TABLE devices (id bigint PRIMARY KEY, serial text, vendor text, model text);
INSERT INTO devices SELECT g, 's' || g, 'v' || (g % 7), 'm' || g FROM generate_series(1, 20000) g;
