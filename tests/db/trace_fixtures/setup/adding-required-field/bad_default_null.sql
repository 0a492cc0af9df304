-- On a table with rows the statement fails (the fixture's point): on an
-- empty one it runs, so its lock is traced.
DELETE FROM patients;
