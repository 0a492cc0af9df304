CREATE TABLE events (id bigint, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
INSERT INTO events SELECT g, date '2020-01-01' + (g % 300), 'k' FROM generate_series(1, 20000) g;
CREATE INDEX events_at_idx ON events (at);
