CREATE TABLE imports (id bigint, state text);
UPDATE imports SET state = 'new';
DELETE FROM imports;
