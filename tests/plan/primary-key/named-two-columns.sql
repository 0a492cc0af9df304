ALTER TABLE events ADD CONSTRAINT events_pk PRIMARY KEY (id, kind);
