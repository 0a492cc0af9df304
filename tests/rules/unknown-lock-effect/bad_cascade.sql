-- CASCADE drops columns, defaults and triggers of tables the statement does not name.
DROP TYPE reading_kind CASCADE;
DROP FUNCTION touch_updated_at() CASCADE;
DROP SCHEMA staging CASCADE;
