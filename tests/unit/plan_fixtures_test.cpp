// Rewrite fixtures: each migration under tests/plan/ plans to the steps in its
// .expected file (UPDATE_SNAPSHOTS=1 rewrites them), every step parses again,
// every rewrite in the registry has fixtures and a docs/plan.md section, and
// a rule's fix shows the steps the plan runs.

#include "plan_fixture.hpp"

#include "pgsafe/plan/rewrites.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

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
        CHECK(p.steps[0].index ==
              std::optional<sql::RelationName>(sql::RelationName{"", "measurements_note_idx"}));
        return;
    }
    FAIL("fixture create-index/already-concurrent is missing");
}

namespace {

const std::filesystem::path k_plan_fixtures = std::filesystem::path(PGSAFE_SOURCE_DIR) / "tests" / "plan";

// Fixture folders for planner behaviour that is no rewrite of its own.
const std::set<std::string> k_planner_folders = {"no-rewrite", "partitioned"};

bool has_case(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) return false;
    for (const auto& file : std::filesystem::directory_iterator(dir)) {
        const auto& p = file.path();
        if (p.extension() == ".sql" && p.filename() != "schema.sql" &&
            std::filesystem::exists(std::filesystem::path(p).replace_extension(".expected")))
            return true;
    }
    return false;
}

}  // namespace

TEST_CASE("every rewrite has fixtures, a docs section and rules that exist") {
    const std::string docs = source::read_file(std::filesystem::path(PGSAFE_SOURCE_DIR) / "docs" / "plan.md");
    auto rewrites = plan::rewrite_catalog();
    REQUIRE(rewrites.size() >= 10);
    for (const auto& rewrite : rewrites) {
        std::string name(rewrite.name);
        INFO("rewrite " << name);
        CHECK(docs.find("\n### " + name + "\n") != std::string::npos);
        CHECK(std::filesystem::is_regular_file(std::filesystem::path(PGSAFE_SOURCE_DIR) / "src" / "plan" /
                                               std::string(rewrite.file)));
        CHECK_FALSE(rewrite.fixtures.empty());
        for (auto folder : rewrite.fixtures) {
            INFO("fixtures tests/plan/" << folder);
            CHECK(has_case(k_plan_fixtures / std::string(folder)));
        }
        CHECK_FALSE(rewrite.answers.empty());
        for (auto rule : rewrite.answers) {
            INFO("answers " << rule);
            CHECK(rules::find_rule(rule) != nullptr);
        }
    }
}

TEST_CASE(
    "every rewrite fixture folder belongs to a rewrite, and its steps answer only registered rewrites' "
    "rules") {
    std::set<std::string> folders = k_planner_folders;
    std::set<std::string> answered;
    for (const auto& rewrite : plan::rewrite_catalog()) {
        for (auto folder : rewrite.fixtures) folders.insert(std::string(folder));
        for (auto rule : rewrite.answers) answered.insert(std::string(rule));
    }
    for (const auto& entry : std::filesystem::directory_iterator(k_plan_fixtures)) {
        if (!entry.is_directory()) continue;
        INFO("folder tests/plan/" << entry.path().filename().string());
        CHECK(folders.count(entry.path().filename().string()) > 0);
    }
    for (const auto& fixture : test::plan_fixtures()) {
        INFO("fixture " << fixture.name());
        for (const auto& step : test::plan_fixture(fixture).steps) {
            if (step.rule) CHECK(answered.count(*step.rule) > 0);
        }
    }
}

TEST_CASE("a rule's fix shows the steps the plan runs") {
    // SET NOT NULL: the four steps, with the same helper CHECK.
    // ADD PRIMARY KEY: each key column's NOT NULL steps, then the index under the name PostgreSQL gives it.
    const std::map<std::string, std::pair<std::string, std::size_t>> cases = {
        {"set-not-null/one-column", {"setting-not-null", 4}},
        {"primary-key/unnamed", {"adding-primary-key-constraint", 4}},
    };
    std::size_t seen = 0;
    for (const auto& fixture : test::plan_fixtures()) {
        auto it = cases.find(fixture.name());
        if (it == cases.end()) continue;
        ++seen;
        INFO("fixture " << fixture.name());
        plan::MigrationPlan p = test::plan_fixture(fixture);
        const auto& [rule, steps] = it->second;
        auto finding = std::find_if(p.findings.begin(), p.findings.end(),
                                    [&](const rules::Finding& f) { return f.rule == rule; });
        REQUIRE(finding != p.findings.end());
        REQUIRE(finding->fix);
        REQUIRE(p.steps.size() >= steps);
        for (std::size_t i = 0; i < steps; ++i) {
            INFO("step " << p.steps[i].sql);
            CHECK(finding->fix->find(p.steps[i].sql + ";") != std::string::npos);
        }
        if (rule == "adding-primary-key-constraint")
            CHECK(finding->fix->find("events_pkey") != std::string::npos);
    }
    CHECK(seen == cases.size());
}
