// Rule logic the single-file fixtures cannot show: what earlier files of the
// pending set contribute, once-per-file reporting, and the edges of SET
// tracking and identifier truncation.

#include "pgsafe/rules/lint.hpp"
#include "pgsafe/sql/parse.hpp"

#include "lint_rule.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace pgsafe;

namespace {

// Lints files in order in one session (so earlier files form the pending set)
// and returns the findings of `rule` in the last one.
std::vector<rules::Finding> lint_files(const std::string& rule, const std::vector<std::string>& files) {
    rules::LintOptions options;
    options.included.insert(rule);
    options.runner = rules::Runner::External;
    rules::LintSession session(options, analysis::TableFacts{});
    rules::FileResult result;
    for (size_t i = 0; i < files.size(); ++i)
        result = session.lint("V" + std::to_string(i + 1) + "__test.sql", sql::parse_sql(files[i]));
    auto& f = result.findings;
    f.erase(std::remove_if(f.begin(), f.end(), [&](const rules::Finding& x) { return x.rule != rule; }),
            f.end());
    return f;
}

std::vector<rules::Finding> lint(const std::string& rule, const std::string& text) {
    return lint_files(rule, {text});
}

using pgsafe::test::at;

}  // namespace

TEST_CASE("foreign-key-without-index: an index from an earlier file of the pending set counts") {
    const std::string first =
        "CREATE TABLE visits (id bigint PRIMARY KEY, patient_id bigint);\n"
        "CREATE INDEX visits_patient_id_idx ON visits (patient_id);\n";
    const std::string second =
        "ALTER TABLE visits ADD CONSTRAINT visits_patient_fkey "
        "FOREIGN KEY (patient_id) REFERENCES patients (id);\n";
    CHECK(lint_files("foreign-key-without-index", {first, second}).empty());
    // Without the index file, the same statement is reported.
    CHECK(lint("foreign-key-without-index", second).size() == 1);
}

TEST_CASE("foreign-key-without-index: an index on more columns counts only when it starts with the key") {
    const std::string create =
        "CREATE TABLE visits (id bigint PRIMARY KEY, clinic_id bigint, patient_id bigint "
        "REFERENCES patients (id));\n";
    CHECK(lint("foreign-key-without-index", create + "CREATE INDEX ON visits (patient_id, clinic_id);")
              .empty());
    CHECK(lint("foreign-key-without-index", create + "CREATE INDEX ON visits (clinic_id, patient_id);")
              .size() == 1);
}

TEST_CASE("foreign-key-without-index: the fix creates the index concurrently only on existing tables") {
    auto existing = lint("foreign-key-without-index",
                         "ALTER TABLE visits ADD COLUMN patient_id bigint REFERENCES patients (id);");
    REQUIRE(existing.size() == 1);
    CHECK(existing[0].fix.value_or("").rfind("CREATE INDEX CONCURRENTLY visits_patient_id_idx ON visits",
                                             0) == 0);
    auto created = lint("foreign-key-without-index",
                        "CREATE TABLE visits (id bigint, patient_id bigint REFERENCES patients (id));");
    REQUIRE(created.size() == 1);
    CHECK(created[0].fix.value_or("").rfind("CREATE INDEX visits_patient_id_idx ON visits", 0) == 0);
}

TEST_CASE("adding-required-field: a table created in an earlier file is empty") {
    CHECK(lint_files("adding-required-field", {"CREATE TABLE visits (id bigint);",
                                               "ALTER TABLE visits ADD COLUMN reason text NOT NULL;"})
              .empty());
    CHECK(lint("adding-required-field", "ALTER TABLE visits ADD COLUMN reason text NOT NULL;").size() == 1);
}

TEST_CASE("ban-drop-table: only the existing tables of a multi-table DROP are reported") {
    auto f =
        lint_files("ban-drop-table", {"CREATE TABLE staging (id bigint);", "DROP TABLE staging, legacy;"});
    REQUIRE(f.size() == 1);
    CHECK(f[0].table == std::optional<std::string>("legacy"));
}

TEST_CASE("require-lock-timeout: reported once per file, at the first unguarded strong lock") {
    const std::string text =
        "SELECT 1;\n"
        "ALTER TABLE a ADD COLUMN x text;\n"
        "ALTER TABLE b ADD COLUMN y text;\n";
    auto f = lint("require-lock-timeout", text);
    REQUIRE(f.size() == 1);
    CHECK(at(text, f[0]) == "ALTER TABLE a ADD COLUMN x text;");
    CHECK(f[0].lock == sql::LockMode::AccessExclusive);
}

TEST_CASE("require-lock-timeout: each file needs its own SET") {
    // An external runner may run every file on a new connection.
    auto f = lint_files("require-lock-timeout", {"SET lock_timeout = '2s';\nALTER TABLE a ADD COLUMN x text;",
                                                 "ALTER TABLE b ADD COLUMN y text;"});
    CHECK(f.size() == 1);
}

TEST_CASE("require-lock-timeout: SET LOCAL counts in its own block only, and SET LOCAL 0 overrides SET") {
    const std::string two_blocks =
        "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE a ADD COLUMN x text;\n"
        "COMMIT;\nBEGIN;\nALTER TABLE b ADD COLUMN y text;\nCOMMIT;\n";
    auto f = lint("require-lock-timeout", two_blocks);
    REQUIRE(f.size() == 1);
    CHECK(at(two_blocks, f[0]) == "ALTER TABLE b ADD COLUMN y text;");

    const std::string local_zero =
        "SET lock_timeout = '2s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\n"
        "ALTER TABLE a ADD COLUMN x text;\nCOMMIT;\n";
    CHECK(lint("require-lock-timeout", local_zero).size() == 1);

    const std::string session_again =
        "SET lock_timeout = '2s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\nCOMMIT;\n"
        "ALTER TABLE a ADD COLUMN x text;\n";
    CHECK(lint("require-lock-timeout", session_again).empty());
}

TEST_CASE("require-lock-timeout: settings of another name or a zero value do not count") {
    CHECK(lint("require-lock-timeout", "SET myapp.lock_timeout = '2s';\nALTER TABLE a ADD COLUMN x text;")
              .size() == 1);
    CHECK(
        lint("require-lock-timeout", "SET lock_timeout = '0ms';\nALTER TABLE a ADD COLUMN x text;").size() ==
        1);
    CHECK(
        lint("require-lock-timeout", "SET lock_timeout = '2s';\nRESET ALL;\nALTER TABLE a ADD COLUMN x text;")
            .size() == 1);
    CHECK(lint("require-lock-timeout", "SET Lock_Timeout TO 500;\nALTER TABLE a ADD COLUMN x text;").empty());
    // statement_timeout guards nothing for require-lock-timeout, and the other way round.
    CHECK(lint("require-lock-timeout", "SET statement_timeout = '1min';\nALTER TABLE a ADD COLUMN x text;")
              .size() == 1);
    CHECK(
        lint("require-statement-timeout", "SET statement_timeout = '1min';\nALTER TABLE a ADD COLUMN x text;")
            .empty());
}

TEST_CASE("identifier-too-long: bytes count, not characters, and 63 is allowed") {
    const std::string n63(63, 'a');
    CHECK(lint("identifier-too-long", "CREATE TABLE " + n63 + " (id bigint);").empty());
    auto f = lint("identifier-too-long", "CREATE TABLE " + n63 + "b (id bigint);");
    REQUIRE(f.size() == 1);
    CHECK(f[0].message.find("is 64 bytes") != std::string::npos);
    // 32 two-byte characters: 64 bytes.
    std::string umlauts;
    for (int i = 0; i < 32; ++i) umlauts += "\xC3\xA4";
    CHECK(lint("identifier-too-long", "CREATE TABLE \"" + umlauts + "\" (id bigint);").size() == 1);
}

TEST_CASE("identifier-too-long: references to long names and long text are not new names") {
    const std::string n70(70, 'r');
    CHECK(lint("identifier-too-long", "ALTER TABLE t ADD COLUMN c bigint REFERENCES " + n70 + " (id);")
              .empty());
    CHECK(lint("identifier-too-long", "DROP TABLE " + n70 + ";").empty());
    CHECK(lint("identifier-too-long", "CREATE TABLE t (c text DEFAULT '" + n70 + "');").empty());
    // A quoted name with an escaped quote is measured after unescaping.
    const std::string n62(62, 'q');
    CHECK(lint("identifier-too-long", "CREATE TABLE \"" + n62 + "\"\"\" (id bigint);").empty());
    CHECK(lint("identifier-too-long", "CREATE TABLE \"" + n62 + "\"\"x\" (id bigint);").size() == 1);
}
