// Rewrite fixtures: each migration under tests/plan/ plans to the steps in its
// .expected file (UPDATE_SNAPSHOTS=1 rewrites them), every step parses again,
// and the findings a rewrite answers are the ones its folder is about.

#include "plan_fixture.hpp"

#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

using namespace pgsafe;

TEST_CASE("every rewrite fixture plans to its expected steps") {
    auto fixtures = test::plan_fixtures();
    REQUIRE(fixtures.size() >= 10);
    const char* update = std::getenv("UPDATE_SNAPSHOTS");
    for (const auto& fixture : fixtures) {
        INFO("fixture " << fixture.name());
        plan::MigrationPlan plan = test::plan_fixture(fixture);
        std::string actual = test::render_steps(plan);
        if (update != nullptr && *update != '\0') {
            std::ofstream(fixture.expected, std::ios::binary) << actual;
            continue;
        }
        REQUIRE(std::filesystem::exists(fixture.expected));
        CHECK(actual == source::read_file(fixture.expected));
    }
}

TEST_CASE("every planned step parses again, and non-transactional steps hold one statement") {
    for (const auto& fixture : test::plan_fixtures()) {
        INFO("fixture " << fixture.name());
        for (const auto& step : test::plan_fixture(fixture).steps) {
            INFO("step " << step.sql);
            sql::ParsedFile again = sql::parse_sql(step.sql);
            CHECK(again.ok());
            if (!step.transactional) CHECK(again.statements.size() == 1);
        }
        CHECK(sql::parse_sql(report::plan_sql(test::plan_fixture(fixture))).ok());  // --emit-sql output
    }
}

TEST_CASE(
    "a statement already in its online form gets the online lock budget and names the index it builds") {
    for (const auto& fixture : test::plan_fixtures()) {
        if (fixture.name() != "create-index/already-concurrent") continue;
        plan::MigrationPlan p = test::plan_fixture(fixture);
        REQUIRE(p.steps.size() == 1);
        CHECK(p.steps[0].lock_timeout_ms == pgsafe::config::Timeouts{}.online_lock_timeout_ms);
        CHECK_FALSE(p.steps[0].statement_timeout_ms);
        CHECK(p.steps[0].index == std::optional<std::string>("measurements_note_idx"));
        return;
    }
    FAIL("fixture create-index/already-concurrent is missing");
}
