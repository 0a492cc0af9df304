ALTER TABLE measurements RENAME COLUMN value TO val;
ALTER TABLE patients RENAME COLUMN birth_date TO dob;
