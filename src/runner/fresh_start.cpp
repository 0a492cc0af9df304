// Planning a first run while its tracking schema is created, and checking
// once it exists that the plans are the ones the run would have made then
// (fresh_start.hpp).

#include "fresh_start.hpp"

#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/plan/session_state.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

namespace pgsafe::runner {
namespace {

const std::string k_tracking_schema = "pgsafe";

bool names_tracking_schema(const std::string& text) {
    return plan::any_word(text, [](std::string_view w) { return w == k_tracking_schema; });
}

// Why the plans made without schema pgsafe's tables may not be the ones made
// with them; "" when they are: nothing the planner looks up can be there.
std::string why_plan_again(const analysis::TableFacts& before, const analysis::TableFacts& tracking_tables,
                           const std::vector<plan::MigrationPlan>& plans) {
    if (tracking_tables.search_path() != before.search_path())
        return fmt::format("the search path is {} now, {} before the tracking schema existed",
                           fmt::join(tracking_tables.search_path(), ","),
                           fmt::join(before.search_path(), ","));
    for (const auto& t : tracking_tables.tables())
        if (t.kind == "partitioned table")  // whose indexes the planner looks up in every schema
            return fmt::format("pgsafe.{} is partitioned", t.name);
    for (const auto& plan : plans) {
        bool named = names_tracking_schema(plan.text);
        for (const auto& step : plan.steps) named = named || names_tracking_schema(step.sql);
        if (named) return fmt::format("migration {} names schema pgsafe", plan.version);
    }
    return "";
}

}  // namespace

analysis::TableFacts without_tracking_schema(const analysis::TableFacts& facts) {
    std::vector<analysis::TableFact> tables;
    for (const auto& t : facts.tables())
        if (t.schema != k_tracking_schema) tables.push_back(t);
    auto other_names = facts.other_names();
    if (other_names) other_names->erase(k_tracking_schema);
    return analysis::TableFacts(std::move(tables), facts.search_path(), std::move(other_names));
}

analysis::TableFacts with_tracking_schema(const analysis::TableFacts& facts,
                                          const analysis::TableFacts& tracking_tables) {
    std::vector<analysis::TableFact> tables = facts.tables();
    tables.insert(tables.end(), tracking_tables.tables().begin(), tracking_tables.tables().end());
    // ORDER BY r.schema, r.name: type name, collation "C"; std::string compares bytes as unsigned too.
    std::stable_sort(tables.begin(), tables.end(), [](const auto& a, const auto& b) {
        return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
    });
    auto other_names = facts.other_names();
    if (other_names && tracking_tables.other_names()) {
        auto tracking = tracking_tables.other_names()->find(k_tracking_schema);
        if (tracking != tracking_tables.other_names()->end())
            (*other_names)[k_tracking_schema] = tracking->second;
    }
    return analysis::TableFacts(std::move(tables), facts.search_path(), std::move(other_names));
}

FreshStart::FreshStart(const std::vector<source::MigrationFile>& files, const ReconcileOptions& options,
                       db::Connection& lock_session, const plan::PlanOptions& plan)
    : m_todo(reconcile(files, m_none, options)), m_lock_session(lock_session), m_plan(plan) {
    if (m_todo.work.empty() || !m_todo.refusals.empty()) return;
    for (const auto& work : m_todo.work)
        if (work.action != Action::Start) return;  // none without history; planned again after take()
    m_planning = std::async(std::launch::async, &FreshStart::plan_ahead, this, m_created.get_future());
}

FreshStart::~FreshStart() {
    if (!m_told) m_created.set_value(false);  // the run stopped before: the thread reads nothing more
    if (m_planning.valid()) m_planning.wait();
}

void FreshStart::created() {
    if (m_told) return;
    m_told = true;
    m_created.set_value(true);
}

FreshStart::Ahead FreshStart::plan_ahead(std::future<bool> created) {
    // As the work session will see them: the search_path it starts with, not the lock session's.
    analysis::TableFacts facts = without_tracking_schema(
        db::load_table_facts(m_lock_session, std::nullopt, db::FactsSearchPath::SessionDefault));
    std::vector<plan::MigrationPlan> plans = plan_files(m_todo, facts, m_plan);
    Ahead out;
    if (!created.get()) return out;
    // What a read after the schema's creation adds: its tables (and the search path, once more).
    analysis::TableFacts tracking_tables =
        db::load_table_facts(m_lock_session, k_tracking_schema, db::FactsSearchPath::SessionDefault);
    out.why_not = why_plan_again(facts, tracking_tables, plans);
    if (out.why_not.empty())
        out.prepared =
            prepare(m_todo, m_lock_session, m_plan, with_tracking_schema(facts, tracking_tables), plans);
    return out;
}

std::optional<FreshStart::Planned> FreshStart::take(const Tracking& tracking) {
    if (!m_planning.valid()) return std::nullopt;  // nothing planned ahead
    created();                                     // the thread waits for it (run_locked has called it)
    Ahead ahead = m_planning.get();
    if (!tracking.migrations.empty()) return std::nullopt;
    if (!ahead.prepared) {
        spdlog::debug("planning again now that the tracking schema exists: {}", ahead.why_not);
        return std::nullopt;
    }
    return Planned{m_todo, std::move(*ahead.prepared)};
}

}  // namespace pgsafe::runner
