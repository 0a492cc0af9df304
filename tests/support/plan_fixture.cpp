// Loading and planning the rewrite fixtures under tests/plan/.

#include "plan_fixture.hpp"

#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fs = std::filesystem;

namespace pgsafe::test {

std::vector<PlanFixture> plan_fixtures() {
    const fs::path root = fs::path(PGSAFE_SOURCE_DIR) / "tests" / "plan";
    std::vector<PlanFixture> out;
    for (const auto& dir : fs::directory_iterator(root)) {
        if (!dir.is_directory()) continue;
        std::string schema =
            fs::exists(dir.path() / "schema.sql") ? source::read_file(dir.path() / "schema.sql") : "";
        for (const auto& file : fs::directory_iterator(dir.path())) {
            if (file.path().extension() != ".sql" || file.path().filename() == "schema.sql") continue;
            PlanFixture f;
            f.rewrite = dir.path().filename().string();
            f.migration = file.path();
            f.expected = fs::path(file.path()).replace_extension(".expected");
            f.schema = schema;
            out.push_back(std::move(f));
        }
    }
    std::sort(out.begin(), out.end(),
              [](const PlanFixture& a, const PlanFixture& b) { return a.migration < b.migration; });
    return out;
}

plan::MigrationPlan plan_fixture(const PlanFixture& fixture) {
    analysis::TableFacts facts;
    fs::path stats = fixture.migration.parent_path() / "stats.json";
    if (fs::exists(stats)) facts = analysis::TableFacts::from_json(source::read_file(stats), stats.string());
    plan::Planner planner(plan::PlanOptions{}, facts);
    std::string text = source::read_file(fixture.migration);
    sql::ParsedFile parsed = sql::parse_sql(text, {sql::KeepTree::Yes});
    return planner.plan({"1", fixture.name(), fixture.name(), source::sha256_checksum(text)}, parsed);
}

std::string render_steps(const plan::MigrationPlan& plan) {
    std::string out = fmt::format("-- risk: {}\n", plan::risk_name(plan.risk));
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const auto& s = plan.steps[i];
        std::string relations;
        for (const auto& r : s.lock.relations) relations += (relations.empty() ? "" : ", ") + r;
        out += fmt::format(
            "-- step {}: {}, {} on {}{}\n{};\n", i + 1, s.transactional ? "transaction" : "no transaction",
            sql::lock_mode_name(s.lock.mode), relations.empty() ? "nothing" : relations,
            (s.rule ? " [" + *s.rule + "]" : "") +
                (s.batch ? ", in batches by " + fmt::format("{}", fmt::join(s.batch->key, ", ")) : ""),
            s.sql);
    }
    return out;
}

}  // namespace pgsafe::test
