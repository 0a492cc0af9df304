// Golden reports per rule: every rule in the registry has fixtures and a docs
// page, bad fixtures raise the rule, good ones do not, and the report of each
// bad fixture matches its .expected file (UPDATE_SNAPSHOTS=1 rewrites them).

#include "pgsafe/report/lint_report.hpp"
#include "pgsafe/rules/lint.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace pgsafe;

namespace {

const fs::path k_fixtures = fs::path(PGSAFE_SOURCE_DIR) / "tests" / "rules";

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

std::vector<fs::path> sql_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".sql") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// The fixture linted with the shared table facts; only `rule`'s findings kept.
rules::FileResult lint_fixture(const fs::path& file, const rules::Rule& rule) {
    rules::LintOptions options;
    options.included.insert(rule.info.name);
    if (rule.info.group == rules::RuleGroup::ExternalRunner) options.runner = rules::Runner::External;
    auto facts = analysis::TableFacts::from_json(source::read_file(k_fixtures / "stats.json"), "stats.json");
    rules::LintSession session(options, facts);
    std::string relative = fs::relative(file, PGSAFE_SOURCE_DIR).generic_string();
    rules::FileResult result = session.lint(relative, sql::parse_sql(source::read_file(file)));
    auto& f = result.findings;
    f.erase(
        std::remove_if(f.begin(), f.end(), [&](const rules::Finding& x) { return x.rule != rule.info.name; }),
        f.end());
    return result;
}

}  // namespace

TEST_CASE("every rule has fixtures and a docs page") {
    for (const auto& rule : rules::registry()) {
        INFO("rule " << rule.info.name);
        fs::path dir = k_fixtures / rule.info.name;
        REQUIRE(fs::is_directory(dir));
        auto files = sql_files(dir);
        auto has = [&](const char* prefix) {
            return std::any_of(files.begin(), files.end(),
                               [&](const fs::path& p) { return starts_with(p.filename().string(), prefix); });
        };
        CHECK(has("bad"));
        CHECK(has("good"));
        CHECK(fs::is_regular_file(fs::path(PGSAFE_SOURCE_DIR) / "docs" / "rules" / (rule.info.name + ".md")));
    }
}

TEST_CASE("every fixture folder names a rule") {
    for (const auto& entry : fs::directory_iterator(k_fixtures)) {
        if (!entry.is_directory()) continue;
        INFO("folder " << entry.path().filename());
        CHECK(rules::find_rule(entry.path().filename().string()) != nullptr);
    }
}

TEST_CASE("fixtures raise their rule exactly where the golden reports say") {
    // UPDATE_SNAPSHOTS=1 rewrites every golden; UPDATE_SNAPSHOTS=rule-name only that rule's.
    const char* update_env = std::getenv("UPDATE_SNAPSHOTS");
    for (const auto& rule : rules::registry()) {
        const bool update =
            update_env != nullptr && (std::string(update_env) == "1" || rule.info.name == update_env);
        fs::path dir = k_fixtures / rule.info.name;
        if (!fs::is_directory(dir)) continue;
        for (const auto& file : sql_files(dir)) {
            std::string name = file.filename().string();
            INFO("fixture " << file.string());
            rules::FileResult result = lint_fixture(file, rule);
            if (starts_with(name, "good")) {
                CHECK(result.findings.empty());
                continue;
            }
            CHECK_FALSE(result.findings.empty());
            std::string report = report::lint_text({result}, report::Color::Off);
            fs::path expected_path = file.string() + ".expected";
            if (update) {
                std::ofstream(expected_path, std::ios::binary) << report;
                continue;
            }
            CHECK(fs::exists(expected_path));
            if (fs::exists(expected_path)) CHECK(report == source::read_file(expected_path));
        }
    }
}
