// Availability rule logic the fixtures cannot show: the pg_version option
// (fixtures always lint as PostgreSQL 15), where findings point, and the
// edges of the checks that look back through the file.

#include "pgsafe/rules/lint.hpp"
#include "pgsafe/sql/parse.hpp"

#include "lint_rule.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace pgsafe;

namespace {

using pgsafe::test::lint;

using pgsafe::test::at;
using pgsafe::test::contains;

}  // namespace

TEST_CASE("adding-field-with-volatile-default: before PostgreSQL 11 every non-NULL default rewrites") {
    const std::string constant = "ALTER TABLE t ADD COLUMN status text DEFAULT 'new';";
    CHECK(lint("adding-field-with-volatile-default", constant).empty());
    auto old = lint("adding-field-with-volatile-default", constant, 10);
    REQUIRE(old.size() == 1);
    CHECK(contains(old[0].message, "PostgreSQL 10 writes it into every row"));
    CHECK(lint("adding-field-with-volatile-default", "ALTER TABLE t ADD COLUMN note text DEFAULT NULL;", 10)
              .empty());
}

TEST_CASE("adding-field-with-volatile-default: known volatile and unknown functions are told apart") {
    auto known =
        lint("adding-field-with-volatile-default", "ALTER TABLE t ADD COLUMN r float8 DEFAULT random();");
    REQUIRE(known.size() == 1);
    CHECK(contains(known[0].message, "random(), which is volatile"));
    auto unknown =
        lint("adding-field-with-volatile-default", "ALTER TABLE t ADD COLUMN r int DEFAULT my_func(1);");
    REQUIRE(unknown.size() == 1);
    CHECK(contains(unknown[0].message,
                   "may rewrite \"t\" under ACCESS EXCLUSIVE: its default calls my_func(), "
                   "which pgsafe does not know"));
    CHECK(lint("adding-field-with-volatile-default", "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();")
              .empty());
}

TEST_CASE("setting-not-null: a validated CHECK only helps from PostgreSQL 12 on") {
    const std::string text =
        "ALTER TABLE t ADD CONSTRAINT t_c_not_null CHECK (c IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_c_not_null;\n"
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n";
    CHECK(lint("setting-not-null", text).empty());
    auto old = lint("setting-not-null", text, 11);
    REQUIRE(old.size() == 1);
    CHECK_FALSE(old[0].fix.has_value());
    CHECK(contains(old[0].help, "Before PostgreSQL 12"));
}

TEST_CASE("setting-not-null: only a CHECK of exactly `col IS NOT NULL` counts") {
    const std::string tail =
        "ALTER TABLE t VALIDATE CONSTRAINT k;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;\n";
    CHECK(lint("setting-not-null",
               "ALTER TABLE t ADD CONSTRAINT k CHECK (c IS NOT NULL AND c > 0) NOT VALID;\n" + tail)
              .size() == 1);
    CHECK(
        lint("setting-not-null", "ALTER TABLE t ADD CONSTRAINT k CHECK (cc IS NOT NULL) NOT VALID;\n" + tail)
            .size() == 1);
    CHECK(
        lint("setting-not-null", "ALTER TABLE t ADD CONSTRAINT k CHECK ((c IS NOT NULL)) NOT VALID;\n" + tail)
            .empty());
    // Validated on another table: no help.
    CHECK(lint("setting-not-null",
               "ALTER TABLE u ADD CONSTRAINT k CHECK (c IS NOT NULL) NOT VALID;\n"
               "ALTER TABLE u VALIDATE CONSTRAINT k;\n"
               "ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n")
              .size() == 1);
}

TEST_CASE("setting-not-null: a VALIDATE of an unseen constraint counts only when its name says NOT NULL") {
    CHECK(lint("setting-not-null",
               "ALTER TABLE t VALIDATE CONSTRAINT t_id_not_null;\n"
               "ALTER TABLE t ALTER COLUMN id SET NOT NULL;\n")
              .empty());
    CHECK(lint("setting-not-null",
               "ALTER TABLE t VALIDATE CONSTRAINT t_valid_amount;\n"
               "ALTER TABLE t ALTER COLUMN id SET NOT NULL;\n")
              .size() == 1);
}

TEST_CASE("require-concurrent-reindex: before PostgreSQL 12 there is no CONCURRENTLY to suggest") {
    auto now = lint("require-concurrent-reindex", "REINDEX TABLE t;");
    REQUIRE(now.size() == 1);
    CHECK(now[0].fix == std::optional<std::string>("REINDEX TABLE CONCURRENTLY t;"));
    auto old = lint("require-concurrent-reindex", "REINDEX TABLE t;", 11);
    REQUIRE(old.size() == 1);
    CHECK_FALSE(old[0].fix.has_value());
    CHECK(contains(old[0].help, "before 12"));
}

TEST_CASE("validate-constraint-in-same-transaction: points at the VALIDATE and names the ADD's line") {
    const std::string text =
        "BEGIN;\n"
        "ALTER TABLE t ADD CONSTRAINT k CHECK (c > 0) NOT VALID;\n"
        "SELECT 1;\n"
        "ALTER TABLE t VALIDATE CONSTRAINT k;\n"
        "COMMIT;\n";
    auto f = lint("validate-constraint-in-same-transaction", text);
    REQUIRE(f.size() == 1);
    CHECK(at(text, f[0]) == "ALTER TABLE t VALIDATE CONSTRAINT k;");
    CHECK(contains(f[0].message, "NOT VALID on line 2, which holds ACCESS EXCLUSIVE"));
    CHECK(f[0].lock == sql::LockMode::AccessExclusive);
}

TEST_CASE("validate-constraint-in-same-transaction: a COMMIT in between, or a weak lock, is fine") {
    CHECK(lint("validate-constraint-in-same-transaction",
               "BEGIN;\n"
               "ALTER TABLE t ADD CONSTRAINT k CHECK (c > 0) NOT VALID;\n"
               "COMMIT;\n"
               "BEGIN;\n"
               "ALTER TABLE t VALIDATE CONSTRAINT k;\n"
               "COMMIT;\n")
              .empty());
    CHECK(lint("validate-constraint-in-same-transaction",
               "BEGIN;\n"
               "CREATE INDEX CONCURRENTLY i ON u (c);\n"
               "ALTER TABLE t SET (fillfactor = 90);\n"
               "ALTER TABLE t VALIDATE CONSTRAINT k;\n"
               "COMMIT;\n")
              .empty());
    // CREATE INDEX takes SHARE: writes wait during the validation too.
    auto share = lint("validate-constraint-in-same-transaction",
                      "BEGIN;\n"
                      "CREATE INDEX i ON t (c);\n"
                      "ALTER TABLE t VALIDATE CONSTRAINT k;\n"
                      "COMMIT;\n");
    REQUIRE(share.size() == 1);
    CHECK(share[0].lock == sql::LockMode::Share);
    CHECK(contains(share[0].message, "writes wait"));
}

TEST_CASE("changing-column-type: an old type from earlier in the file decides") {
    CHECK(lint("changing-column-type",
               "ALTER TABLE t ADD COLUMN c varchar(10);\n"
               "ALTER TABLE t ALTER COLUMN c TYPE varchar(20);\n")
              .empty());
    auto narrowed = lint("changing-column-type",
                         "ALTER TABLE t ADD COLUMN c numeric(10,2);\n"
                         "ALTER TABLE t ALTER COLUMN c TYPE numeric(10,3);\n");
    REQUIRE(narrowed.size() == 1);
    CHECK(contains(narrowed[0].message, "(from numeric(10,2)) rewrites"));
    // After DROP COLUMN the name means another column: its type is unknown again.
    CHECK(lint("changing-column-type",
               "ALTER TABLE t ADD COLUMN c varchar(10);\n"
               "ALTER TABLE t DROP COLUMN c;\n"
               "ALTER TABLE t ADD COLUMN c integer;\n"
               "ALTER TABLE t ALTER COLUMN c TYPE varchar(20);\n")
              .size() == 1);
}

TEST_CASE("changing-column-type: without the old type the message says what it depends on") {
    auto text = lint("changing-column-type", "ALTER TABLE t ALTER COLUMN c TYPE text;");
    REQUIRE(text.size() == 1);
    CHECK(contains(text[0].message, "catalog-only change if \"c\" is varchar or text now"));
    auto numeric = lint("changing-column-type", "ALTER TABLE t ALTER COLUMN c TYPE numeric;");
    REQUIRE(numeric.size() == 1);
    CHECK(contains(numeric[0].message, "catalog-only change if \"c\" is numeric now"));
    auto bigint = lint("changing-column-type", "ALTER TABLE t ALTER COLUMN c TYPE bigint;");
    REQUIRE(bigint.size() == 1);
    CHECK(contains(bigint[0].message, "rewrites \"t\" and rebuilds its indexes"));
    CHECK(bigint[0].lock == sql::LockMode::AccessExclusive);
}

TEST_CASE("require-concurrent-index-deletion: one finding per index, each with its own fix") {
    auto f = lint("require-concurrent-index-deletion", "DROP INDEX a, s.b;");
    REQUIRE(f.size() == 2);
    CHECK(f[0].fix == std::optional<std::string>("DROP INDEX CONCURRENTLY a;"));
    CHECK(f[1].fix == std::optional<std::string>("DROP INDEX CONCURRENTLY s.b;"));
    CHECK_FALSE(f[0].table.has_value());
    CHECK(f[0].severity == rules::Severity::Error);
}
