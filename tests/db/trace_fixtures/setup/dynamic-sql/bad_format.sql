-- The loop adds tenant_id to every table of public: not to a partition
-- (PostgreSQL refuses), and not to patients, which has one.
DROP TABLE events;
ALTER TABLE patients DROP COLUMN tenant_id;
