DELETE FROM measurements;
