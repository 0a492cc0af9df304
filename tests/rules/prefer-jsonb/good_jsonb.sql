CREATE TABLE events (
    id bigint PRIMARY KEY,
    payload jsonb NOT NULL
);
ALTER TABLE measurements ADD COLUMN meta jsonb;
-- A type of one's own that happens to be called json is not PostgreSQL's json.
ALTER TABLE patients ADD COLUMN settings app.json;
