// Planning a first run while its tracking schema is created, and checking
// once it exists that the plans are the ones the run would have made then
// (fresh_start.hpp).

#include "fresh_start.hpp"

#include "pgsafe/db/table_facts.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

namespace pgsafe::runner {
namespace {

// Why the plans made without schema pgsafe's tables may not be the ones made
// with them; "" when they are: nothing the planner looks up can be there.
std::string why_plan_again(const analysis::TableFacts& before, const db::CatalogGlance& tracking_schema,
                           const std::vector<plan::MigrationPlan>& plans) {
    if (tracking_schema.search_path != before.search_path())
        return fmt::format("the search path is {} now, {} before the tracking schema existed",
                           fmt::join(tracking_schema.search_path, ","), fmt::join(before.search_path(), ","));
    const auto& path = tracking_schema.search_path;
    if (std::find(path.begin(), path.end(), k_tracking_schema) != path.end())
        return "the search path holds schema pgsafe";
    if (tracking_schema.holds_partitioned_table)  // whose indexes the planner looks up in every schema
        return "schema pgsafe holds a partitioned table";
    for (const auto& plan : plans) {
        std::vector<std::string> step_sql;
        for (const auto& step : plan.steps) step_sql.push_back(step.sql);
        if (names_tracking_schema(plan.text, step_sql))
            return fmt::format("migration {} names schema pgsafe", plan.version);
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

FreshStart::FreshStart(const std::vector<source::MigrationFile>& files, const ReconcileOptions& options,
                       db::Connection& lock_session, const plan::PlanOptions& plan)
    : m_todo(reconcile(files, m_none, options)), m_lock_session(lock_session), m_plan(plan) {
    if (m_todo.work.empty() || !m_todo.refusals.empty()) return;
    for (const auto& work : m_todo.work)
        if (work.action != Action::Start) return;  // none without history; planned again after take()
    m_planning = std::async(std::launch::async, &FreshStart::plan_ahead, this, m_created.get_future());
}

FreshStart::~FreshStart() {
    tell(std::nullopt);  // the run stopped before: the thread waits no more
    if (m_planning.valid()) m_planning.wait();
}

void FreshStart::tell(std::optional<db::CatalogGlance> glance) {
    if (m_told) return;
    m_told = true;
    m_created.set_value(std::move(glance));
}

std::string FreshStart::glance_sql(db::Connection& work_session) const {
    return db::catalog_glance_sql(work_session, k_tracking_schema, db::FactsSearchPath::Current);
}

void FreshStart::created(const db::Connection::Row& glance) {
    tell(db::catalog_glance(glance));
}

FreshStart::Ahead FreshStart::plan_ahead(std::future<std::optional<db::CatalogGlance>> created) {
    // As the work session will see them: the search_path it starts with, not the lock session's.
    analysis::TableFacts facts = without_tracking_schema(
        db::load_table_facts(m_lock_session, std::nullopt, db::FactsSearchPath::SessionDefault));
    std::vector<plan::MigrationPlan> plans = plan_files(m_todo, facts, m_plan);
    // Their records too, while the schema is still being created; kept only if the glance below
    // finds the plans good.
    Prepared prepared = prepare(m_todo, m_lock_session, m_plan, facts, plans);
    Ahead out;
    // Whether the schema's creation changed what the planner would look up: a glance, which plans in
    // a fraction of a millisecond where the facts query takes tens, read by the creating message
    // itself. When it did not, no plan can have consulted the schema's tables, and no record lists
    // them (FactsSubset).
    std::optional<db::CatalogGlance> tracking_schema = created.get();
    if (!tracking_schema) return out;
    out.why_not = why_plan_again(facts, *tracking_schema, plans);
    if (out.why_not.empty()) out.prepared = std::move(prepared);
    return out;
}

std::optional<FreshStart::Planned> FreshStart::take(const Tracking& tracking) {
    if (!m_planning.valid()) return std::nullopt;  // nothing planned ahead
    tell(std::nullopt);                            // no glance (run_locked gives it): plan again
    Ahead ahead = m_planning.get();
    if (!tracking.migrations.empty()) return std::nullopt;
    if (!ahead.prepared) {
        spdlog::debug("planning again now that the tracking schema exists: {}", ahead.why_not);
        return std::nullopt;
    }
    return Planned{m_todo, std::move(*ahead.prepared)};
}

}  // namespace pgsafe::runner
