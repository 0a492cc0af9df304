// A DROP INDEX of an index that an earlier file of the same run created, on a
// table that run also created, runs as written (as psql runs it): the table
// is empty and nobody else uses it yet, so there is nothing for CONCURRENTLY
// to protect, and the step stays in a transaction (it can share a round trip
// with its neighbours). Any doubt about which table the index is on keeps
// the DROP INDEX CONCURRENTLY rewrite.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/rules/rule_ids.hpp"

#include "plan_tables.hpp"

#include <catch2/catch.hpp>

using namespace pgsafe;

namespace {

analysis::TableFact large_table(const std::string& name, const std::string& index) {
    analysis::TableFact t;
    t.schema = "public";
    t.name = name;
    t.rows = 5000000;
    t.bytes = 800000000;
    analysis::IndexFact i;
    i.name = index;
    i.columns = {"a"};
    t.indexes.push_back(i);
    return t;
}

// The plan of the last file, the earlier ones planned before it in the same run.
plan::MigrationPlan plan_last(const std::vector<std::string>& files,
                              std::vector<analysis::TableFact> tables = {}) {
    return test::plan_files(files, std::move(tables)).back();
}

bool plain_drop(const plan::MigrationPlan& p, std::size_t step) {
    return step < p.steps.size() && p.steps[step].transactional && !p.steps[step].rule &&
           p.steps[step].sql.find("CONCURRENTLY") == std::string::npos;
}

bool concurrent_drop(const plan::MigrationPlan& p, std::size_t step) {
    return step < p.steps.size() && !p.steps[step].transactional &&
           p.steps[step].rule ==
               std::optional<std::string>(rules::rule_id::k_require_concurrent_index_deletion) &&
           p.steps[step].sql.find("DROP INDEX CONCURRENTLY") != std::string::npos;
}

}  // namespace

TEST_CASE("DROP INDEX of an index created on a table of the same run runs as written", "[plan][same-run]") {
    const std::string create =
        "CREATE TABLE t (id bigint PRIMARY KEY, a int);\nCREATE INDEX t_a_idx ON t (a);";
    SECTION("the index built by CREATE INDEX in an earlier file") {
        auto p = plan_last({create, "DROP INDEX t_a_idx;"});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 1);
        CHECK(plain_drop(p, 0));
        CHECK(p.findings.empty());
    }
    SECTION("a named UNIQUE constraint's index, added by ALTER TABLE in an earlier file") {
        auto p =
            plan_last({"CREATE TABLE t (id bigint, a int);",
                       "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);", "DROP INDEX IF EXISTS t_a_key;"});
        INFO(report::plan_sql(p));
        CHECK(plain_drop(p, 0));
    }
    SECTION("next to an index of a large table the run did not create, which is still dropped CONCURRENTLY") {
        auto p = plan_last({create, "DROP INDEX t_a_idx;\nDROP INDEX big_a_idx;"},
                           {large_table("big", "big_a_idx")});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 2);
        CHECK(plain_drop(p, 0));
        CHECK(concurrent_drop(p, 1));
    }
}

TEST_CASE("DROP INDEX keeps CONCURRENTLY when the run may not know the index's table", "[plan][same-run]") {
    const std::string create = "CREATE TABLE t (id bigint PRIMARY KEY, a int);";
    std::vector<analysis::TableFact> live = {large_table("big", "big_a_idx")};
    SECTION("an index of a table that was there before the run") {
        auto p = plan_last({create, "CREATE INDEX big_b_idx ON big (b);", "DROP INDEX big_b_idx;"}, live);
        INFO(report::plan_sql(p));
        CHECK(concurrent_drop(p, 0));
    }
    SECTION("CREATE INDEX IF NOT EXISTS, which may have kept another table's index of that name") {
        auto p = plan_last(
            {create, "CREATE INDEX IF NOT EXISTS big_a_idx ON t (a);", "DROP INDEX big_a_idx;"}, live);
        INFO(report::plan_sql(p));
        CHECK(concurrent_drop(p, 0));
    }
    SECTION("a name another index was renamed to after the run created one") {
        auto p = plan_last(
            {create, "CREATE INDEX t_a_idx ON t (a);",
             "DROP INDEX t_a_idx;\nALTER INDEX big_a_idx RENAME TO t_a_idx;", "DROP INDEX t_a_idx;"},
            live);
        INFO(report::plan_sql(p));
        CHECK(concurrent_drop(p, 0));
    }
    SECTION("an index whose new table was dropped and made again under the name by another statement") {
        auto p = plan_last({create, "CREATE INDEX t_a_idx ON t (a);", "DROP TABLE t;",
                            "ALTER TABLE big RENAME CONSTRAINT big_c TO t_a_idx;", "DROP INDEX t_a_idx;"},
                           live);
        INFO(report::plan_sql(p));
        CHECK(concurrent_drop(p, 0));
    }
}

TEST_CASE("a table the run created and renamed still counts as new under its new name", "[plan][same-run]") {
    const std::string create =
        "CREATE TABLE t_old (id bigint PRIMARY KEY, a int);\nALTER TABLE t_old RENAME TO t;";
    SECTION("CREATE INDEX on it in a later file runs as written, in a transaction") {
        auto p = plan_last({create, "CREATE INDEX t_a_idx ON t (a);"});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 1);
        CHECK(p.steps[0].transactional);
        CHECK_FALSE(p.steps[0].rule);
        CHECK(p.steps[0].sql.find("CONCURRENTLY") == std::string::npos);
    }
    SECTION("an index created on it under the old name is dropped as written") {
        auto p = plan_last(
            {"CREATE TABLE t_old (id bigint PRIMARY KEY, a int);\nCREATE INDEX t_a_idx ON t_old (a);",
             "ALTER TABLE t_old RENAME TO t;", "DROP INDEX t_a_idx;"});
        INFO(report::plan_sql(p));
        CHECK(plain_drop(p, 0));
    }
    SECTION("the old name no longer counts as new: a large table renamed to it is indexed CONCURRENTLY") {
        auto p =
            plan_last({create, "ALTER TABLE big RENAME TO t_old;\nCREATE INDEX t_old_a_idx ON t_old (a);"},
                      {large_table("big", "big_a_idx")});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 2);
        CHECK_FALSE(p.steps[1].transactional);
        CHECK(p.steps[1].sql.find("CREATE INDEX CONCURRENTLY") != std::string::npos);
    }
}

TEST_CASE("CREATE TABLE IF NOT EXISTS of a table that was there before does not make it new",
          "[plan][same-run]") {
    const std::string file =
        "CREATE TABLE IF NOT EXISTS big (id bigint PRIMARY KEY, a int);\n"
        "CREATE INDEX big_b_idx ON big (b);";
    SECTION("the large table that was there is indexed CONCURRENTLY") {
        auto p = plan_last({file}, {large_table("big", "big_a_idx")});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 2);
        CHECK_FALSE(p.steps[1].transactional);
        CHECK(p.steps[1].sql.find("CREATE INDEX CONCURRENTLY") != std::string::npos);
    }
    SECTION("a table that was not there is new: its index is built as written") {
        auto p = plan_last({file});
        INFO(report::plan_sql(p));
        REQUIRE_FALSE(p.steps.empty());
        CHECK(p.steps.back().transactional);
        CHECK(p.steps.back().sql.find("CONCURRENTLY") == std::string::npos);
    }
}

// Steps are made after the whole file; each statement's tables count as new
// or not as they were when it ran, not as the end of the file leaves them.
TEST_CASE("a statement's tables count as new as they were when it ran", "[plan][same-run]") {
    SECTION("a table created and then renamed in the same file: the steps before the rename know its size") {
        auto p =
            plan_last({"CREATE TABLE t_old (id bigint PRIMARY KEY, a int);\nUPDATE t_old SET a = 1;\n"
                       "ALTER TABLE t_old RENAME TO t;"});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 3);
        REQUIRE(p.steps[1].estimated_seconds);
        CHECK(*p.steps[1].estimated_seconds == 0);
    }
    SECTION("a helper table created, filled and dropped in the same file: its steps know its size") {
        auto p =
            plan_last({"CREATE TABLE helper (id bigint PRIMARY KEY, a int);\n"
                       "INSERT INTO helper VALUES (1, 1);\nDROP TABLE helper;"});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 3);
        REQUIRE(p.steps[1].estimated_seconds);
        CHECK(*p.steps[1].estimated_seconds == 0);
    }
    SECTION("a large table changed before a table of its name is made again: its size counts") {
        auto p =
            plan_last({"UPDATE big SET a = 1;\nDROP TABLE big;\nCREATE TABLE big (id bigint PRIMARY KEY);"},
                      {large_table("big", "big_a_idx")});
        INFO(report::plan_sql(p));
        REQUIRE_FALSE(p.steps.empty());
        REQUIRE(p.steps[0].estimated_seconds);
        CHECK(*p.steps[0].estimated_seconds > 0);
    }
}

TEST_CASE("a table the run created and dropped no longer counts as new under its name", "[plan][same-run]") {
    const std::string create = "CREATE TABLE t (id bigint PRIMARY KEY, a int);";
    SECTION("a large table renamed to the dropped table's name is indexed CONCURRENTLY") {
        auto p = plan_last(
            {create, "DROP TABLE t;\nALTER TABLE big RENAME TO t;", "CREATE INDEX t_b_idx ON t (b);"},
            {large_table("big", "big_a_idx")});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 1);
        CHECK_FALSE(p.steps[0].transactional);
        CHECK(p.steps[0].sql.find("CREATE INDEX CONCURRENTLY") != std::string::npos);
    }
    SECTION("made again by CREATE TABLE, it is new again") {
        auto p = plan_last({create, "DROP TABLE t;\n" + create, "CREATE INDEX t_b_idx ON t (b);"});
        INFO(report::plan_sql(p));
        REQUIRE(p.steps.size() == 1);
        CHECK(p.steps[0].transactional);
        CHECK(p.steps[0].sql.find("CONCURRENTLY") == std::string::npos);
    }
}
