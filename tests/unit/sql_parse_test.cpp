// The SQL front end: statement spans, IR facts per statement kind, comments,
// and located errors for input PostgreSQL would reject.

#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"

#include <catch2/catch.hpp>

using namespace pgsafe::sql;

namespace {

std::string_view text_of(const ParsedFile& f, const Statement& s) {
    return std::string_view(f.text).substr(s.span.begin, s.span.end - s.span.begin);
}

template <typename T>
const T& detail(const ParsedFile& f, size_t i = 0) {
    REQUIRE(f.ok());
    REQUIRE(f.statements.size() > i);
    const T* d = std::get_if<T>(&f.statements[i].detail);
    REQUIRE(d != nullptr);
    return *d;
}

Position position_of_error(const ParsedFile& f, size_t i = 0) {
    REQUIRE(f.errors.size() > i);
    return LineIndex(f.text).position(f.errors[i].offset);
}

}  // namespace

TEST_CASE("statement spans cover the statement without comments or the semicolon") {
    ParsedFile f =
        parse_sql("-- leading\nCREATE TABLE a (id int);\n/* block */ SELECT 1 ; -- tail\nSELECT 2");
    REQUIRE(f.ok());
    REQUIRE(f.statements.size() == 3);
    CHECK(text_of(f, f.statements[0]) == "CREATE TABLE a (id int)");
    CHECK(text_of(f, f.statements[1]) == "SELECT 1");
    CHECK(text_of(f, f.statements[2]) == "SELECT 2");
    CHECK(f.statements[0].kind == "CreateStmt");
    CHECK(f.statements[1].kind == "SelectStmt");
    REQUIRE(f.comments.size() == 3);
    CHECK(f.comments[0].text == " leading");
    CHECK(f.comments[1].text == " block ");
    CHECK(f.comments[1].block);
}

TEST_CASE("empty and comment-only files have no statements and no errors") {
    for (const char* text : {"", "   \n\n", "-- only a comment\n", "/* a */ -- b\n"}) {
        ParsedFile f = parse_sql(text);
        CHECK(f.ok());
        CHECK(f.statements.empty());
    }
}

TEST_CASE("ALTER TABLE subcommands carry table, constraint and column facts") {
    ParsedFile f = parse_sql(
        "ALTER TABLE app.measurements ADD CONSTRAINT m_fk FOREIGN KEY (patient_id) REFERENCES patients (id) "
        "NOT VALID, ALTER COLUMN value SET NOT NULL, ADD COLUMN note varchar(20) DEFAULT 'x' NOT NULL, "
        "VALIDATE CONSTRAINT other, ALTER COLUMN value TYPE numeric(12,2) USING value::numeric");
    const auto& at = detail<AlterTable>(f);
    CHECK(at.table.schema == "app");
    CHECK(at.table.name == "measurements");
    REQUIRE(at.actions.size() == 5);

    const auto& fk = at.actions[0];
    CHECK(fk.kind == AlterKind::AddConstraint);
    REQUIRE(fk.constraint);
    CHECK(fk.constraint->kind == ConstraintKind::ForeignKey);
    CHECK(fk.constraint->name == "m_fk");
    CHECK(fk.constraint->not_valid);
    CHECK(fk.constraint->columns == std::vector<std::string>{"patient_id"});
    CHECK(fk.constraint->referenced_table.qualified() == "patients");
    CHECK(fk.constraint->referenced_columns == std::vector<std::string>{"id"});

    CHECK(at.actions[1].kind == AlterKind::SetNotNull);
    CHECK(at.actions[1].column == "value");

    const auto& add = at.actions[2];
    CHECK(add.kind == AlterKind::AddColumn);
    CHECK(add.column == "note");
    REQUIRE(add.column_def);
    CHECK(add.column_def->type.display() == "varchar(20)");
    CHECK(add.column_def->not_null);
    REQUIRE(add.column_def->default_value);
    CHECK(add.column_def->default_value->expr.constant);

    CHECK(at.actions[3].kind == AlterKind::ValidateConstraint);
    CHECK(at.actions[3].name == "other");

    const auto& type = at.actions[4];
    CHECK(type.kind == AlterKind::AlterColumnType);
    REQUIRE(type.column_def);
    CHECK(type.column_def->type.base() == "numeric");
    CHECK(type.column_def->type.modifiers == std::vector<std::int64_t>{12, 2});
    REQUIRE(type.column_def->default_value);  // the USING expression
}

TEST_CASE("column defaults record the functions they call") {
    ParsedFile f = parse_sql(
        "ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid(), "
        "ADD COLUMN b timestamptz DEFAULT now(), ADD COLUMN c int DEFAULT 1 + 2, "
        "ADD COLUMN d timestamptz DEFAULT CURRENT_TIMESTAMP, ADD COLUMN e bigserial");
    const auto& at = detail<AlterTable>(f);
    auto def = [&](size_t i) { return at.actions[i].column_def->default_value->expr; };
    CHECK(def(0).functions == std::vector<std::string>{"gen_random_uuid"});
    CHECK_FALSE(def(0).constant);
    CHECK(def(1).functions == std::vector<std::string>{"now"});
    CHECK(def(2).constant);
    CHECK(def(3).has_sql_value_function);
    CHECK(at.actions[4].column_def->is_serial());
}

TEST_CASE("index, drop, rename and maintenance statements") {
    ParsedFile f = parse_sql(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS m_idx ON measurements (patient_id, lower(name)) "
        "WHERE x;"
        "DROP INDEX CONCURRENTLY IF EXISTS app.m_idx;"
        "ALTER TABLE measurements RENAME COLUMN value TO reading;"
        "ALTER TABLE measurements RENAME TO readings;"
        "REINDEX INDEX CONCURRENTLY m_idx;"
        "REFRESH MATERIALIZED VIEW CONCURRENTLY daily;"
        "VACUUM (FULL, ANALYZE) measurements;"
        "CLUSTER measurements USING m_idx;"
        "LOCK TABLE a, b IN SHARE ROW EXCLUSIVE MODE NOWAIT;"
        "TRUNCATE a CASCADE;"
        "DROP DATABASE prod;"
        "UPDATE measurements SET value = 0;"
        "DELETE FROM measurements WHERE id = 1;"
        "BEGIN; SET LOCAL lock_timeout = '100ms'; COMMIT;");
    REQUIRE(f.ok());
    const auto& idx = detail<CreateIndex>(f, 0);
    CHECK(idx.unique);
    CHECK(idx.concurrent);
    CHECK(idx.if_not_exists);
    CHECK(idx.partial);
    REQUIRE(idx.columns.size() == 2);
    CHECK(idx.columns[0].name == "patient_id");
    CHECK(idx.columns[1].expression);

    const auto& drop = detail<Drop>(f, 1);
    CHECK(drop.object == ObjectKind::Index);
    CHECK(drop.concurrent);
    CHECK(drop.if_exists);
    CHECK(drop.names[0].qualified() == "app.m_idx");

    const auto& col = detail<Rename>(f, 2);
    CHECK(col.object == ObjectKind::Column);
    CHECK(col.old_name == "value");
    CHECK(col.new_name == "reading");
    CHECK(detail<Rename>(f, 3).object == ObjectKind::Table);

    CHECK(detail<Reindex>(f, 4).concurrent);
    CHECK(detail<RefreshMaterializedView>(f, 5).concurrent);
    CHECK(detail<Vacuum>(f, 6).full);
    CHECK(detail<Cluster>(f, 7).index == "m_idx");
    const auto& lock = detail<LockTable>(f, 8);
    CHECK(lock.mode == LockMode::ShareRowExclusive);
    CHECK(lock.nowait);
    CHECK(lock.tables.size() == 2);
    CHECK(detail<Truncate>(f, 9).cascade);
    CHECK(detail<Drop>(f, 10).object == ObjectKind::Database);
    CHECK_FALSE(detail<DataChange>(f, 11).has_where);
    CHECK(detail<DataChange>(f, 12).has_where);
    CHECK(detail<Transaction>(f, 13).kind == TransactionKind::Begin);
    const auto& set = detail<VariableSet>(f, 14);
    CHECK(set.name == "lock_timeout");
    CHECK(set.value == "100ms");
    CHECK(set.local);
    CHECK(detail<Transaction>(f, 15).kind == TransactionKind::Commit);
}

TEST_CASE("options written FALSE are off") {
    ParsedFile f = parse_sql("VACUUM (FULL FALSE) a; VACUUM (FULL) b; REINDEX (CONCURRENTLY false) INDEX i;");
    CHECK_FALSE(detail<Vacuum>(f, 0).full);
    CHECK(detail<Vacuum>(f, 1).full);
    CHECK_FALSE(detail<Reindex>(f, 2).concurrent);
}

TEST_CASE("CREATE TABLE keeps columns, inline and table constraints") {
    ParsedFile f = parse_sql(
        "CREATE TABLE IF NOT EXISTS visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "patient_id bigint NOT NULL REFERENCES patients (id), total numeric GENERATED ALWAYS AS (1) STORED, "
        "CONSTRAINT visits_u UNIQUE (patient_id)) PARTITION BY RANGE (id)");
    const auto& ct = detail<CreateTable>(f);
    CHECK(ct.if_not_exists);
    CHECK(ct.partitioned);
    REQUIRE(ct.columns.size() == 3);
    CHECK(ct.columns[0].is_identity());
    CHECK(ct.columns[0].primary_key);
    CHECK(ct.columns[1].not_null);
    CHECK(ct.columns[2].is_stored_generated());
    REQUIRE(ct.constraints.size() == 1);
    CHECK(ct.constraints[0].kind == ConstraintKind::Unique);
}

TEST_CASE("a broken statement is located and the others still parse") {
    ParsedFile f = parse_sql("SELECT 1;\nALTER TABL é ADD x;\nSELECT 2;\nCREATE TABLE (;\n");
    REQUIRE(f.errors.size() == 2);
    CHECK(f.errors[0].message == "syntax error at or near \"TABL\"");
    Position p = position_of_error(f, 0);
    CHECK(p.line == 2);
    CHECK(p.column == 7);
    Position q = position_of_error(f, 1);
    CHECK(q.line == 4);
    CHECK(q.column == 14);
    CHECK(f.statements.size() == 2);
}

TEST_CASE("columns count characters, not bytes") {
    ParsedFile f = parse_sql("SELECT 'ééé' +;");
    Position p = position_of_error(f);
    CHECK(p.column == 15);
}

TEST_CASE("unterminated strings and dollar quotes are located errors") {
    ParsedFile a = parse_sql("SELECT 1;\nSELECT 'abc");
    CHECK(position_of_error(a).line == 2);
    CHECK(a.errors[0].message.find("unterminated quoted string") != std::string::npos);
    ParsedFile b = parse_sql("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1");
    CHECK(b.errors[0].message.find("unterminated dollar-quoted string") != std::string::npos);
}

TEST_CASE("NUL bytes and invalid UTF-8 are rejected like the server would") {
    ParsedFile nul = parse_sql(std::string("SELECT 1;\nSELECT \0 2;", 21));
    REQUIRE(nul.errors.size() == 1);
    CHECK(nul.errors[0].message == "invalid byte sequence for encoding \"UTF8\": 0x00 0x20");
    CHECK(position_of_error(nul).line == 2);
    CHECK(position_of_error(nul).column == 8);
    ParsedFile bad = parse_sql("SELECT '\xff';");
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].offset == 8);
    CHECK(bad.statements.empty());
}

TEST_CASE("ten thousand statements in one file") {
    std::string text;
    for (int i = 0; i < 10000; ++i) text += "ALTER TABLE t" + std::to_string(i) + " ADD COLUMN c int;\n";
    ParsedFile f = parse_sql(text);
    REQUIRE(f.ok());
    CHECK(f.statements.size() == 10000);
    CHECK(LineIndex(f.text).position(f.statements.back().span.begin).line == 10000);
}

TEST_CASE("line index handles CRLF and lone CR") {
    LineIndex idx("a\r\nb\rc\n");
    CHECK(idx.position(3).line == 2);
    CHECK(idx.position(5).line == 3);
    CHECK(idx.line_text(1) == "a");
    CHECK(idx.line_text(2) == "b");
}
