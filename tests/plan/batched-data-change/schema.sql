CREATE TABLE measurements (id bigint PRIMARY KEY, value numeric);
INSERT INTO measurements SELECT g, g FROM generate_series(1, 25000) g;
-- No primary key; a unique index over NOT NULL columns orders the rows as well.
CREATE TABLE readings (sensor text NOT NULL, taken int NOT NULL, value numeric, note text);
INSERT INTO readings SELECT 'sensor ' || (g % 7), g, g, NULL FROM generate_series(1, 25000) g;
CREATE UNIQUE INDEX readings_sensor_taken ON readings (sensor, taken);
CREATE UNIQUE INDEX readings_note ON readings (note);
CREATE UNIQUE INDEX readings_positive ON readings (taken) WHERE taken > 0;
-- No key to walk: unique indexes over a nullable column, an expression, or only some rows.
CREATE TABLE keyless (taken int NOT NULL, value numeric, note text);
INSERT INTO keyless SELECT g, g, NULL FROM generate_series(1, 25000) g;
CREATE UNIQUE INDEX keyless_note ON keyless (note);
CREATE UNIQUE INDEX keyless_expr ON keyless ((taken + 0));
CREATE UNIQUE INDEX keyless_positive ON keyless (taken) WHERE taken > 0;
