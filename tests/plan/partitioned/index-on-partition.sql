CREATE INDEX events_2020_kind_idx ON events_2020 (kind);
