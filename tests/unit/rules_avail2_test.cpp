// Rule logic the fixtures show poorly: how access-exclusive-held-across-
// statements replays a transaction block (once per lock, which statements
// count), the pg_version option, and the transaction-block bookkeeping of
// the correctness rules on awkward files.

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

const std::string k_held = "access-exclusive-held-across-statements";

}  // namespace

TEST_CASE(
    "access-exclusive-held-across-statements: one finding per lock, on the first statement that holds it") {
    const std::string text =
        "BEGIN;\n"
        "ALTER TABLE orders ADD COLUMN note text;\n"
        "SET LOCAL statement_timeout = '5s';\n"
        "ALTER TABLE orders ADD COLUMN source text;\n"
        "CREATE INDEX items_sku_idx ON items (sku);\n"
        "UPDATE items SET sku = upper(sku) WHERE id < 100;\n"
        "COMMIT;\n";
    auto f = lint(k_held, text);
    REQUIRE(f.size() == 1);
    // SET locks nothing and the second ALTER locks "orders" itself: neither counts.
    CHECK(at(text, f[0]) == "CREATE INDEX items_sku_idx ON items (sku);");
    CHECK(contains(f[0].message, "\"orders\" is still locked ACCESS EXCLUSIVE by the statement at line 2"));
    CHECK(f[0].severity == rules::Severity::Warning);
    REQUIRE(f[0].table);
    CHECK(*f[0].table == "orders");
}

TEST_CASE("access-exclusive-held-across-statements: the lock ends with its block") {
    CHECK(lint(k_held,
               "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\n"
               "BEGIN;\nCREATE INDEX items_sku_idx ON items (sku);\nCOMMIT;\n")
              .empty());
    CHECK(lint(k_held,
               "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nROLLBACK;\n"
               "CREATE INDEX items_sku_idx ON items (sku);\n")
              .empty());
    // Without BEGIN nothing is held across statements by the file itself.
    CHECK(
        lint(k_held, "ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX items_sku_idx ON items (sku);\n")
            .empty());
}

TEST_CASE(
    "access-exclusive-held-across-statements: weaker locks and new tables are not held against anyone") {
    // CREATE INDEX takes SHARE, not ACCESS EXCLUSIVE.
    CHECK(lint(k_held,
               "BEGIN;\nCREATE INDEX a_idx ON orders (a);\nUPDATE items SET x = 1 WHERE id = 1;\nCOMMIT;\n")
              .empty());
    CHECK(lint(k_held,
               "BEGIN;\nCREATE TABLE drafts (id bigint);\nALTER TABLE drafts ADD COLUMN note text;\n"
               "INSERT INTO drafts (id) VALUES (1);\nCOMMIT;\n")
              .empty());
}

TEST_CASE("access-exclusive-held-across-statements: each locked table is reported once") {
    const std::string text =
        "BEGIN;\n"
        "LOCK TABLE orders, items;\n"
        "SELECT 1;\n"
        "SELECT 2;\n"
        "COMMIT;\n";
    auto f = lint(k_held, text);
    REQUIRE(f.size() == 2);
    CHECK(at(text, f[0]) == "SELECT 1;");
    CHECK(at(text, f[1]) == "SELECT 1;");
    CHECK(*f[0].table != *f[1].table);
}

TEST_CASE("require-concurrent-partition-detach: before PostgreSQL 14 there is no CONCURRENTLY to suggest") {
    const std::string text = "ALTER TABLE events DETACH PARTITION events_2023;";
    auto now = lint("require-concurrent-partition-detach", text);
    REQUIRE(now.size() == 1);
    CHECK(contains(now[0].help, "CONCURRENTLY"));
    auto old = lint("require-concurrent-partition-detach", text, 13);
    REQUIRE(old.size() == 1);
    CHECK(contains(old[0].help, "PostgreSQL 14"));
}

TEST_CASE("lock-table: SHARE and stronger are flagged, weaker modes are not") {
    for (const char* mode : {"ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE"}) {
        INFO(mode);
        CHECK(lint("lock-table", std::string("LOCK TABLE orders IN ") + mode + " MODE;").empty());
    }
    for (const char* mode : {"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}) {
        INFO(mode);
        auto f = lint("lock-table", std::string("LOCK TABLE orders IN ") + mode + " MODE;");
        REQUIRE(f.size() == 1);
        CHECK(contains(f[0].message, std::string("takes ") + mode + " on \"orders\""));
    }
}

TEST_CASE("vacuum-full-or-cluster: without a table the finding names no table and keeps its severity") {
    auto f = lint("vacuum-full-or-cluster", "VACUUM FULL;");
    REQUIRE(f.size() == 1);
    CHECK_FALSE(f[0].table);
    CHECK(f[0].severity == rules::Severity::Error);
    CHECK(lint("vacuum-full-or-cluster", "VACUUM ANALYZE orders;").empty());
}

TEST_CASE("concurrently-in-transaction: names the BEGIN of the block, and lets in-block forms through") {
    const std::string text =
        "BEGIN;\nCOMMIT;\n"
        "START TRANSACTION;\n"
        "REFRESH MATERIALIZED VIEW CONCURRENTLY totals;\n"
        "ANALYZE orders;\n"
        "VACUUM (ANALYZE) orders;\n"
        "COMMIT;\n";
    auto f = lint("concurrently-in-transaction", text);
    REQUIRE(f.size() == 1);
    CHECK(at(text, f[0]) == "VACUUM (ANALYZE) orders;");
    CHECK(contains(f[0].message, "block opened at line 3"));
}

TEST_CASE("transaction-nesting and uncommitted-transaction agree on what closes a block") {
    const std::string nested = "BEGIN;\nBEGIN;\nCOMMIT;\nCOMMIT;\n";
    auto f = lint("transaction-nesting", nested);
    REQUIRE(f.size() == 2);
    CHECK(contains(f[0].message, "BEGIN inside the transaction block opened at line 1"));
    CHECK(contains(f[1].message, "already closed at line 3"));
    // The inner BEGIN opened nothing, so the first COMMIT closed the block.
    CHECK(lint("uncommitted-transaction", nested).empty());

    const std::string open_after_closed = "BEGIN;\nCOMMIT;\nBEGIN;\nSELECT 1;\nSAVEPOINT s;\n";
    auto u = lint("uncommitted-transaction", open_after_closed);
    REQUIRE(u.size() == 1);
    CHECK(u[0].span.begin == open_after_closed.find("BEGIN;\nSELECT"));
    CHECK(lint("transaction-nesting", open_after_closed).empty());
    // PREPARE TRANSACTION ends the block too.
    CHECK(lint("uncommitted-transaction", "BEGIN;\nSELECT 1;\nPREPARE TRANSACTION 'x';\n").empty());
}
