DROP TABLE IF EXISTS scratch_import;
DROP TRIGGER IF EXISTS measurements_audit ON measurements;
DROP TYPE IF EXISTS mood;
