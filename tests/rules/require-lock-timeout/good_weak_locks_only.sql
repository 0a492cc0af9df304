-- ROW EXCLUSIVE and weaker do not block ordinary traffic.
SELECT count(*) FROM measurements;
UPDATE small_lookup SET label = 'x' WHERE id = 1;
INSERT INTO small_lookup (id, label) VALUES (2, 'y');
