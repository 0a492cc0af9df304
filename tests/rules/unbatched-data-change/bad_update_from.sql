-- UPDATE … FROM without WHERE joins every row with every row of the other table.
UPDATE devices SET site = s.name FROM sites s;
