// DDL inside PL/pgSQL: the static SQL of DO blocks (and of PL/pgSQL functions
// the same file creates and calls) is read with libpg_query's PL/pgSQL
// parser, placed at its own line and column of the file, and linted with the
// same rules; EXECUTE of computed SQL is named; the plan keeps the block as
// written and rates it by what is inside.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/rules/lint.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"

#include "lint_rule.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace pgsafe;
using pgsafe::test::at;
using pgsafe::test::contains;
using pgsafe::test::lint;

namespace {

sql::Position position(const std::string& text, std::size_t offset) {
    return sql::LineIndex(text).position(offset);
}

std::vector<rules::Finding> lint_all(const std::string& text) {
    rules::LintSession session(rules::LintOptions{}, analysis::TableFacts{});
    return session.lint("V1__test.sql", sql::parse_sql(text)).findings;
}

std::vector<std::string> rule_names(const std::vector<rules::Finding>& findings) {
    std::vector<std::string> out;
    for (const auto& f : findings) out.push_back(f.rule);
    return out;
}

bool has_rule(const std::vector<rules::Finding>& findings, const std::string& rule) {
    return std::any_of(findings.begin(), findings.end(),
                       [&](const rules::Finding& f) { return f.rule == rule; });
}

plan::MigrationPlan plan_one(const std::string& text) {
    plan::Planner planner(plan::PlanOptions{}, analysis::TableFacts{});
    return planner.plan({"1", "m", "V1__m.sql", "sha256:x"}, sql::parse_sql(text, {sql::KeepTree::Yes}));
}

const char* const k_guarded_fk =
    "-- guard\n"
    "DO $$\n"
    "BEGIN\n"
    "    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'm_fk') THEN\n"
    "        ALTER TABLE measurements ADD CONSTRAINT m_fk FOREIGN KEY (patient_id) REFERENCES patients "
    "(id);\n"
    "    END IF;\n"
    "END\n"
    "$$;\n";

}  // namespace

TEST_CASE("a DO block's statements are read with their place in the file", "[plpgsql]") {
    const std::string text =
        "DO $do$\n"
        "DECLARE r record;\n"
        "BEGIN\n"
        "  ALTER TABLE a ADD COLUMN b int;\n"
        "  IF true THEN CREATE INDEX a_b ON a (b); END IF;\n"
        "  FOR r IN SELECT 1 LOOP\n"
        "    EXECUTE format('ALTER TABLE %I ADD c int', 'a');\n"
        "  END LOOP;\n"
        "  BEGIN\n"
        "    ALTER TABLE a ALTER COLUMN b SET NOT NULL;\n"
        "  EXCEPTION WHEN others THEN NULL;\n"
        "  END;\n"
        "  EXECUTE 'DROP INDEX a_b';\n"
        "END\n"
        "$do$;\n";
    sql::ParsedFile file = sql::parse_sql(text);
    REQUIRE(file.ok());
    REQUIRE(file.statements.size() == 1);
    REQUIRE(file.routines.size() == 1);
    const sql::Routine& r = file.routines[0];
    CHECK(r.kind == sql::RoutineKind::DoBlock);
    CHECK(r.read);
    CHECK(r.statement == 0);
    REQUIRE(r.statements.size() == 4);
    auto where = [&](std::size_t i) {
        sql::Position p = position(text, r.statements[i].statement.span.begin);
        return std::to_string(p.line) + ":" + std::to_string(p.column);
    };
    CHECK(where(0) == "4:3");
    const sql::Span first = r.statements[0].statement.span;
    CHECK(text.substr(first.begin, first.end - first.begin) == "ALTER TABLE a ADD COLUMN b int");
    CHECK_FALSE(r.statements[0].conditional);
    CHECK(where(1) == "5:16");
    CHECK(r.statements[1].conditional);  // under IF
    CHECK(std::holds_alternative<sql::CreateIndex>(r.statements[1].statement.detail));
    CHECK(where(2) == "10:5");
    CHECK(r.statements[2].conditional);  // a block with a handler: it may fail and be rolled back
    // EXECUTE of a literal: the literal's SQL, placed inside the quotes.
    CHECK(where(3) == "13:12");
    CHECK(std::holds_alternative<sql::Drop>(r.statements[3].statement.detail));
    REQUIRE(r.dynamic.size() == 1);
    CHECK(r.dynamic[0].expression == "format('ALTER TABLE %I ADD c int', 'a')");
    CHECK(position(text, r.dynamic[0].span.begin).line == 7);
    CHECK(position(text, r.dynamic[0].span.begin).column == 13);
}

TEST_CASE("a DO body in single quotes is read, each statement on its line", "[plpgsql]") {
    const std::string text =
        "SELECT 1;\n"
        "DO 'BEGIN\n"
        "  UPDATE t SET s = ''x'';\n"
        "  ALTER TABLE t ADD COLUMN c int;\n"
        "END';\n";
    sql::ParsedFile file = sql::parse_sql(text);
    REQUIRE(file.routines.size() == 1);
    const sql::Routine& r = file.routines[0];
    CHECK(r.statement == 1);
    REQUIRE(r.read);
    REQUIRE(r.statements.size() == 2);
    CHECK(position(text, r.statements[0].statement.span.begin).line == 3);
    CHECK(position(text, r.statements[0].statement.span.begin).column == 3);
    CHECK_FALSE(r.statements[0].exact_span);  // '' in the file, ' in the SQL
    CHECK(position(text, r.statements[1].statement.span.begin).line == 4);
    CHECK(r.statements[1].exact_span);
}

TEST_CASE("DO blocks pgsafe cannot read say why, and change nothing else", "[plpgsql]") {
    sql::ParsedFile other =
        sql::parse_sql("DO LANGUAGE plperl $$ spi_exec_query('ALTER TABLE t ADD c int') $$;");
    REQUIRE(other.ok());
    REQUIRE(other.routines.size() == 1);
    CHECK_FALSE(other.routines[0].read);
    CHECK(other.routines[0].language == "plperl");

    // PL/pgSQL that does not compile is not a syntax error of the file:
    // PostgreSQL checks it only when the block runs.
    sql::ParsedFile broken = sql::parse_sql("DO $$ BEGIN IF x THEN END; END $$;\nSELECT 1;");
    CHECK(broken.ok());
    CHECK(broken.statements.size() == 2);
    REQUIRE(broken.routines.size() == 1);
    CHECK_FALSE(broken.routines[0].read);
    CHECK_FALSE(broken.routines[0].error.empty());
    auto findings = lint_all("DO $$ BEGIN IF x THEN END; END $$;");
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].rule == "unknown-lock-effect");
    CHECK(contains(findings[0].message, "pgsafe could not read this DO block's PL/pgSQL"));
}

TEST_CASE("a function is read at the statement that calls it, not where it is created", "[plpgsql]") {
    const std::string text =
        "SELECT f();\n"  // before it exists: another f
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN ALTER TABLE measurements ADD CONSTRAINT m_fk FOREIGN KEY (p) REFERENCES patients (id); END\n"
        "$$;\n"
        "SELECT f();\n"
        "SELECT f();\n";
    sql::ParsedFile file = sql::parse_sql(text);
    REQUIRE(file.routines.size() == 1);
    CHECK(file.routines[0].kind == sql::RoutineKind::Function);
    CHECK(file.routines[0].name.name == "f");
    REQUIRE(file.calls.size() == 2);
    CHECK(file.calls[0].statement == 2);
    CHECK(file.calls[1].statement == 3);

    auto findings = lint("adding-foreign-key-constraint", text);
    REQUIRE(findings.size() == 1);  // once, at the first call
    CHECK(position(text, findings[0].span.begin).line == 3);
    CHECK(contains(findings[0].help,
                   "inside function f (line 2), which runs in the transaction of its call at "
                   "line 5: move it out of the function first"));

    // Created, never called: nothing of it runs.
    CHECK(lint("adding-foreign-key-constraint",
               "CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE measurements ADD "
               "CONSTRAINT m_fk FOREIGN KEY (p) REFERENCES patients (id); END $$;")
              .empty());
}

TEST_CASE("a procedure created in PL/pgSQL and called has a lock model: its body", "[plpgsql]") {
    const std::string text =
        "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t ADD COLUMN c int; END $$;\n"
        "CALL p();\n"
        "CALL elsewhere();\n";
    auto findings = lint_all(text);
    auto unknown = std::count_if(findings.begin(), findings.end(),
                                 [](const rules::Finding& f) { return f.rule == "unknown-lock-effect"; });
    CHECK(unknown == 1);  // only CALL elsewhere()
}

TEST_CASE("DO blocks are linted with the same rules at the file's line and column", "[plpgsql]") {
    auto findings = lint("adding-foreign-key-constraint", k_guarded_fk);
    REQUIRE(findings.size() == 1);
    sql::Position p = position(k_guarded_fk, findings[0].span.begin);
    CHECK(p.line == 5);
    CHECK(p.column == 38);  // CONSTRAINT m_fk …, as for the file's own statements
    CHECK(contains(findings[0].help,
                   "It is inside the DO block at line 2, which runs as one transaction: move "
                   "it out of the block first"));
    // The DO itself is no longer an unknown statement.
    CHECK(lint("unknown-lock-effect", k_guarded_fk).empty());
}

TEST_CASE("CONCURRENTLY inside a DO block is refused by PostgreSQL", "[plpgsql]") {
    auto findings =
        lint("concurrently-in-transaction", "DO $$ BEGIN CREATE INDEX CONCURRENTLY i ON t (c); END $$;");
    REQUIRE(findings.size() == 1);
    CHECK(contains(findings[0].message,
                   "cannot run inside a DO block or a function, and this one is inside the "
                   "DO block at line 1"));
}

TEST_CASE("a DO block is one transaction unless its body commits", "[plpgsql]") {
    const std::string one =
        "DO $$ BEGIN\n"
        "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (c) REFERENCES u (id) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_fk;\n"
        "END $$;\n";
    auto same = lint("validate-constraint-in-same-transaction", one);
    REQUIRE(same.size() == 1);
    CHECK(contains(same[0].help, "move it out of the block first"));
    const std::string committed =
        "DO $$ BEGIN\n"
        "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (c) REFERENCES u (id) NOT VALID;\n"
        "COMMIT;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_fk;\n"
        "END $$;\n";
    CHECK(lint("validate-constraint-in-same-transaction", committed).empty());
    // Two top-level statements are two transactions; the bodies of two DO blocks too.
    CHECK(lint("validate-constraint-in-same-transaction",
               "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (c) REFERENCES u (id) NOT VALID; "
               "END $$;\n"
               "DO $$ BEGIN ALTER TABLE t VALIDATE CONSTRAINT t_fk; END $$;\n")
              .empty());
}

TEST_CASE("a table created under a guard in a DO block may exist already", "[plpgsql]") {
    const std::string guarded =
        "DO $$ BEGIN IF to_regclass('items') IS NULL THEN CREATE TABLE items (id int); END IF; END $$;\n"
        "CREATE INDEX items_id ON items (id);\n";
    CHECK(lint("require-concurrent-index-creation", guarded).size() == 1);
    const std::string plain =
        "DO $$ BEGIN CREATE TABLE items (id int); END $$;\n"
        "CREATE INDEX items_id ON items (id);\n";
    CHECK(lint("require-concurrent-index-creation", plain).empty());
}

TEST_CASE("ignore comments work inside a body and before the DO", "[plpgsql]") {
    const std::string inside =
        "DO $$\n"
        "BEGIN\n"
        "    -- pgsafe:ignore adding-foreign-key-constraint measurements is empty in this product\n"
        "    ALTER TABLE measurements ADD CONSTRAINT m_fk FOREIGN KEY (p) REFERENCES patients (id);\n"
        "END\n"
        "$$;\n";
    auto findings = lint_all(inside);
    CHECK_FALSE(has_rule(findings, "adding-foreign-key-constraint"));
    CHECK_FALSE(has_rule(findings, "unused-ignore"));
    const std::string before = "-- pgsafe:ignore adding-foreign-key-constraint checked by hand\n" +
                               std::string(k_guarded_fk).substr(std::string("-- guard\n").size());
    findings = lint_all(before);
    CHECK_FALSE(has_rule(findings, "adding-foreign-key-constraint"));
    CHECK_FALSE(has_rule(findings, "unused-ignore"));
}

TEST_CASE("dynamic SQL is named, and EXECUTE of a literal is linted", "[plpgsql]") {
    const std::string text =
        "DO $$\n"
        "BEGIN\n"
        "    EXECUTE 'CREATE INDEX m_t ON measurements (taken_at)';\n"
        "    EXECUTE 'ALTER TABLE ' || 'measurements' || ' ADD COLUMN x int';\n"
        "END\n"
        "$$;\n";
    auto findings = lint_all(text);
    std::vector<std::string> names = rule_names(findings);
    CHECK(names == std::vector<std::string>{"require-concurrent-index-creation", "dynamic-sql"});
    const auto& index = findings[0];
    CHECK(at(text, index) == "CREATE INDEX m_t ON measurements (taken_at)';");
    const auto& dynamic = findings[1];
    CHECK(dynamic.severity == rules::Severity::Info);
    CHECK(position(text, dynamic.span.begin).line == 4);
    CHECK(
        contains(dynamic.message,
                 "EXECUTE 'ALTER TABLE ' || 'measurements' || ' ADD COLUMN x int' in the DO block at line 1 "
                 "runs SQL computed when it runs"));
    // An ignore comment on the line before the EXECUTE covers it.
    const std::string ignored =
        "DO $$\n"
        "BEGIN\n"
        "    -- pgsafe:ignore dynamic-sql adds an empty column\n"
        "    EXECUTE 'ALTER TABLE ' || 'measurements' || ' ADD COLUMN x int';\n"
        "END\n"
        "$$;\n";
    findings = lint_all(ignored);
    CHECK(findings.empty());
}

TEST_CASE("plan keeps a DO block as written and rates it by what is inside", "[plpgsql][plan]") {
    // Catalog-only contents: low (the block used to be rated high whatever it held).
    auto harmless = plan_one("DO $$ BEGIN ALTER TABLE t ADD COLUMN note text; END $$;");
    CHECK(harmless.risk == plan::Risk::Low);
    REQUIRE(harmless.steps.size() == 1);
    CHECK(harmless.steps[0].sql == "DO $$ BEGIN ALTER TABLE t ADD COLUMN note text; END $$");

    // A foreign key on an existing table: high, and the step says what to move out.
    auto fk = plan_one(k_guarded_fk);
    CHECK(fk.risk == plan::Risk::High);
    REQUIRE(fk.steps.size() == 1);
    CHECK(contains(fk.steps[0].sql, "IF NOT EXISTS"));
    CHECK(fk.steps[0].transactional);
    CHECK(contains(fk.steps[0].why,
                   "the PL/pgSQL body runs as one transaction, so pgsafe cannot build the "
                   "safe form of line 5 (adding-foreign-key-constraint); move that statement "
                   "out of the body"));

    // SQL computed at run time: high, whatever else.
    auto dynamic = plan_one("DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD c int', 't'); END $$;");
    CHECK(dynamic.risk == plan::Risk::High);
    REQUIRE(dynamic.steps.size() == 1);
    CHECK(contains(dynamic.steps[0].why, "SQL computed at run time (EXECUTE at line 1)"));

    // Another language: still unknown, still high.
    CHECK(plan_one("DO LANGUAGE plperl $$ 1; $$;").risk == plan::Risk::High);
}
