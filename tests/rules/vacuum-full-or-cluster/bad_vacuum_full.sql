VACUUM FULL measurements;
