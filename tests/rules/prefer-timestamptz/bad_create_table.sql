CREATE TABLE visits (
    id bigint PRIMARY KEY,
    starts_at timestamp NOT NULL,
    ends_at timestamp without time zone,
    reminders timestamp(0)[]
);
