CREATE TABLE visits (
    id bigint PRIMARY KEY,
    starts_at timestamptz NOT NULL,
    ends_at timestamp with time zone,
    visit_date date,
    visit_time time
);
ALTER TABLE measurements ADD COLUMN taken_at timestamptz DEFAULT now();
