CREATE TABLE visits (
    id bigint PRIMARY KEY,
    reason character varying(200),
    code pg_catalog.varchar(10) NOT NULL
);
