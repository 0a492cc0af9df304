CREATE TABLE readings (id bigint PRIMARY KEY, value numeric NOT NULL, low numeric, high numeric);
INSERT INTO readings SELECT g, g, 0, g + 1 FROM generate_series(1, 20000) g;
