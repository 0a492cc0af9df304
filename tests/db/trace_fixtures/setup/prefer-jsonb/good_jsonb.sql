-- The fixture creates events, and adds patients.settings.
DROP TABLE events;
ALTER TABLE patients DROP COLUMN settings;
