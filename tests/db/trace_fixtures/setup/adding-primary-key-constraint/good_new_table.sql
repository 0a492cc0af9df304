-- The fixture creates devices.
DROP TABLE devices;
