#pragma once
// Rewrite fixtures, shared by the golden test (unit) and the equivalence test
// (db): tests/plan/<rewrite>/<case>.sql is a migration, schema.sql in the same
// folder creates the tables it runs against (with rows), an optional
// stats.json gives table facts, and <case>.expected holds the planned steps.

#include "pgsafe/plan/plan.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace pgsafe::test {

struct PlanFixture {
    std::string rewrite;              // the folder: "foreign-key", "create-index", …
    std::filesystem::path migration;  // <case>.sql
    std::filesystem::path expected;   // <case>.expected
    std::string schema;               // schema.sql's text
    std::string name() const { return rewrite + "/" + migration.stem().string(); }
};

// Every fixture, sorted by path.
std::vector<PlanFixture> plan_fixtures();

// The fixture's migration planned with default options and its folder's stats.json (if any).
plan::MigrationPlan plan_fixture(const PlanFixture& fixture);

// The golden form: risk, then per step its boundary, lock, rule and SQL.
std::string render_steps(const plan::MigrationPlan& plan);

}  // namespace pgsafe::test
