-- The fixture creates events.
DROP TABLE events;
