DROP TABLE legacy_readings;
