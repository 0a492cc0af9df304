TRUNCATE measurements;
