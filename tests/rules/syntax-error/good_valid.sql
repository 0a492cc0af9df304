CREATE TABLE visits (id bigint PRIMARY KEY, reason text);
