// Lint must not be quieter than the lock model: every form the model knows
// (the lock-trace cases of tests/db/lock_trace and every rule fixture) whose
// effects are a lock blocking reads or writes, held while an existing table is
// scanned or rewritten, gets at least one availability or correctness finding.

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/rules/lint.hpp"
#include "pgsafe/rules/pending_set.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace pgsafe;

namespace {

const fs::path k_root = fs::path(PGSAFE_SOURCE_DIR);

// Findings a user acts on about locks or breakage (not style, not meta).
bool counts(const std::string& rule_name) {
    const rules::Rule* rule = rules::find_rule(rule_name);
    return rule != nullptr && (rule->info.group == rules::RuleGroup::Availability ||
                               rule->info.group == rules::RuleGroup::Correctness);
}

struct Gap {
    std::string where;
    std::string statement;
};

// Lints `text` with unknown table sizes and no ignore comments, and returns the
// statements with a long blocking lock on a table the text did not create
// before, that got no finding.
std::vector<Gap> gaps_in(const std::string& where, const std::string& text) {
    sql::ParsedFile file = sql::parse_sql(text);
    rules::LintSession session(rules::LintOptions{}, analysis::TableFacts{});
    // The findings per statement before ignore comments are applied.
    rules::FileAnalysis analysed = session.analyse(where, file);
    rules::PendingSet created;
    std::vector<Gap> gaps;
    for (std::size_t i = 0; i < file.statements.size(); ++i) {
        const sql::Statement& statement = file.statements[i];
        analysis::Effects effects = analysis::statement_effects(statement);
        bool blocking = std::any_of(effects.locks.begin(), effects.locks.end(), [&](const auto& lock) {
            return analysis::long_blocking_lock(statement, lock) && !created.created(lock.relation);
        });
        created.record_tables(statement);
        if (!blocking) continue;
        const auto& names = analysed.found.at(i);
        bool found =
            std::any_of(names.begin(), names.end(), [](const std::string& name) { return counts(name); });
        if (!found)
            gaps.push_back(
                {where, text.substr(statement.span.begin, statement.span.end - statement.span.begin)});
    }
    return gaps;
}

std::vector<fs::path> sql_files_under(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".sql") out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Fixtures where a specific rule proves, from earlier statements of the file,
// that the work the statement alone suggests is not done: these stay clean.
const std::map<std::string, std::string> k_proven_safe = {
    {"tests/rules/adding-primary-key-constraint/good_using_index.sql",
     "SET NOT NULL after a validated CHECK (col IS NOT NULL): no scan (setting-not-null)"},
    {"tests/rules/setting-not-null/good_quoted_column.sql", "SET NOT NULL after a validated CHECK"},
    {"tests/rules/setting-not-null/good_validated_check.sql", "SET NOT NULL after a validated CHECK"},
    {"tests/rules/setting-not-null/good_validated_in_earlier_migration.sql",
     "SET NOT NULL after a CHECK validated in an earlier file"},
    {"tests/rules/changing-column-type/good_known_widening.sql",
     "a type change the file shows to be a relabel (changing-column-type sees the old type)"},
};

void require_no_gaps(const std::vector<Gap>& gaps) {
    for (const auto& gap : gaps) {
        INFO(gap.where << ": " << gap.statement);
        CHECK(false);
    }
}

}  // namespace

TEST_CASE("every lock-trace case with a long blocking lock gets a finding", "[lock-coverage]") {
    std::vector<fs::path> files = sql_files_under(k_root / "tests" / "db" / "lock_trace");
    REQUIRE(files.size() >= 5);
    size_t blocking_cases = 0;
    std::vector<Gap> gaps;
    for (const auto& path : files) {
        std::string text = source::read_file(path);
        size_t cases = text.find("\n-- cases");
        REQUIRE(cases != std::string::npos);
        std::string body = text.substr(cases);
        // Each case on its own: the setup's tables exist before it (unknown size).
        sql::ParsedFile file = sql::parse_sql(body);
        for (const auto& statement : file.statements) {
            std::string one =
                body.substr(statement.span.begin, statement.span.end - statement.span.begin) + ";";
            sql::ParsedFile single = sql::parse_sql(one);
            for (const auto& s : single.statements) {
                auto effects = analysis::statement_effects(s);
                blocking_cases += std::any_of(effects.locks.begin(), effects.locks.end(), [&](const auto& l) {
                    return analysis::long_blocking_lock(s, l);
                });
            }
            auto found = gaps_in(path.filename().string(), one);
            gaps.insert(gaps.end(), found.begin(), found.end());
        }
    }
    CHECK(blocking_cases >= 20);  // the walk sees the forms it is meant to see
    require_no_gaps(gaps);
}

TEST_CASE("every rule fixture with a long blocking lock on an existing table gets a finding",
          "[lock-coverage]") {
    std::vector<Gap> gaps;
    for (const auto& path : sql_files_under(k_root / "tests" / "rules")) {
        std::string relative = fs::relative(path, k_root).generic_string();
        if (k_proven_safe.count(relative) > 0) continue;
        auto found = gaps_in(relative, source::read_file(path));
        gaps.insert(gaps.end(), found.begin(), found.end());
    }
    require_no_gaps(gaps);
    for (const auto& [path, reason] : k_proven_safe) {
        INFO(path << " is listed as proven safe (" << reason << ") but has no long blocking lock any more");
        CHECK_FALSE(gaps_in(path, source::read_file(k_root / path)).empty());
    }
}

TEST_CASE("long-blocking-lock reports what no specific rule covers, once", "[lock-coverage]") {
    auto lint = [](const std::string& text) {
        rules::LintSession session(rules::LintOptions{}, analysis::TableFacts{});
        return session.lint("t.sql", sql::parse_sql(text)).findings;
    };
    auto only = [](const std::vector<rules::Finding>& findings, const char* rule) {
        return std::count_if(findings.begin(), findings.end(), [&](const auto& f) { return f.rule == rule; });
    };
    SECTION("a rewrite with no specific rule") {
        auto findings = lint("ALTER TABLE measurements SET TABLESPACE fast;");
        REQUIRE(only(findings, "long-blocking-lock") == 1);
        const auto& f = findings.front();
        CHECK(f.severity == rules::Severity::Error);
        CHECK(f.message.find("ACCESS EXCLUSIVE") != std::string::npos);
        CHECK(f.message.find("rewrites") != std::string::npos);
        CHECK(f.message.find("size unknown") != std::string::npos);
    }
    SECTION("a form a specific rule covers is reported by that rule only") {
        auto findings = lint(
            "ALTER TABLE measurements ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES patients (id);"
            "CREATE INDEX ON measurements (value);"
            "ALTER TABLE measurements ALTER COLUMN value SET NOT NULL;");
        CHECK(only(findings, "long-blocking-lock") == 0);
        CHECK(only(findings, "adding-foreign-key-constraint") == 1);
        CHECK(only(findings, "require-concurrent-index-creation") == 1);
        CHECK(only(findings, "setting-not-null") == 1);
    }
    SECTION("catalog-only forms, brief locks and new tables stay clean") {
        auto findings = lint(
            "ALTER TABLE measurements ALTER COLUMN value SET STATISTICS 500;"
            "ALTER TABLE measurements SET (fillfactor = 70);"
            "ALTER TABLE measurements ADD COLUMN flag boolean NOT NULL DEFAULT false;"
            "COMMENT ON TABLE measurements IS 'x';"
            "ALTER TABLE measurements VALIDATE CONSTRAINT c;"
            "REFRESH MATERIALIZED VIEW CONCURRENTLY counts;"
            "CREATE TABLE fresh (id int);"
            "ALTER TABLE fresh SET TABLESPACE fast;");
        CHECK(only(findings, "long-blocking-lock") == 0);
    }
}

TEST_CASE("plan rates a long blocking lock no specific rule covers as high risk", "[lock-coverage]") {
    plan::Planner planner(plan::PlanOptions{}, analysis::TableFacts{});
    std::string text = "ALTER TABLE measurements SET TABLESPACE fast_disk;\n";
    plan::MigrationPlan p = planner.plan({"1", "ts", "V1__ts.sql", "x"}, sql::parse_sql(text));
    CHECK(p.risk == plan::Risk::High);
    REQUIRE(p.findings.size() == 1);
    CHECK(p.findings.front().rule == "long-blocking-lock");
}
