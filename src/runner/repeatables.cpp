// Which Flyway repeatables a run applies, and how a rerun is recorded: one
// row per repeatable in pgsafe.migrations (its key "R__<description>"),
// reset for each rerun; each run's start and end stay in pgsafe.events.

#include "repeatables.hpp"

#include "sql_text.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {

bool outdated_repeatable(const source::MigrationFile& file, const TrackedMigration* tracked) {
    return source::is_repeatable(file.version) && tracked != nullptr &&
           tracked->state == TrackedState::Applied && !file.has_checksum(tracked->checksum);
}

void add_repeatables(const std::vector<source::MigrationFile>& files, const Tracking& tracking,
                     Reconciled& out) {
    for (const auto& file : files) {
        if (!source::is_repeatable(file.version)) continue;
        const TrackedMigration* tracked = tracking.find(file.version);
        if (tracked == nullptr) {
            out.work.push_back({&file, Action::Start, nullptr});
        } else if (tracked->state == TrackedState::Applied) {
            if (outdated_repeatable(file, tracked)) out.work.push_back({&file, Action::Rerun, tracked});
        } else {
            // A run that died or failed: the same file resumes, a changed one is replanned.
            out.work.push_back({&file,
                                file.has_checksum(tracked->checksum) ? Action::Resume : Action::RetryChanged,
                                tracked});
        }
    }
}

std::string rerun_repeatable_sql(const plan::MigrationPlan& plan, const std::string& plan_record,
                                 const std::vector<StoredStep>& steps) {
    return fmt::format(
               "DELETE FROM pgsafe.steps WHERE version = {};\n"
               "UPDATE pgsafe.migrations SET name = {}, checksum = {}, state = 'running', applied_by = "
               "session_user, started_at = pg_catalog.clock_timestamp(), finished_at = NULL, duration_ms = "
               "NULL, "
               "tool_version = {}, plan = {}::pg_catalog.jsonb, error = NULL, adopted_by = NULL, adopted_at "
               "= NULL, "
               "adopted_from = NULL WHERE version = {};\n",
               literal(plan.version), literal(plan.name), literal(plan.checksum), literal(PGSAFE_VERSION),
               literal(plan_record), literal(plan.version)) +
           insert_steps_sql(plan.version, steps);
}

}  // namespace pgsafe::runner
