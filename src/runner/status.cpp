// `pgsafe status`: the migration files against the tracking tables, and
// whether a runner is at work right now. Read-only.

#include "repeatables.hpp"
#include "runner_lock.hpp"
#include "session.hpp"
#include "tracking.hpp"
#include "tracking_access.hpp"

#include "pgsafe/runner/runner.hpp"

namespace pgsafe::runner {
namespace {

MigrationStatus from_tracked(const TrackedMigration& t) {
    MigrationStatus s;
    s.version = t.version;
    s.name = t.name;
    s.state = t.state == TrackedState::Applied  ? MigrationState::Applied
              : t.state == TrackedState::Failed ? MigrationState::Failed
                                                : MigrationState::Running;
    s.applied_checksum = t.checksum;
    s.applied_by = t.applied_by;
    s.started_at = t.started_at;
    s.finished_at = t.finished_at.value_or("");
    s.duration_ms = t.duration_ms;
    s.steps_total = static_cast<int>(t.steps.size());
    for (const auto& step : t.steps) s.steps_done += step.state == StepState::Applied ? 1 : 0;
    if (t.error && t.error->contains("message")) s.error = t.error->at("message").get<std::string>();
    return s;
}

}  // namespace

StatusReport status(const std::vector<source::MigrationFile>& files, const std::string& conninfo) {
    db::Connection connection = open_session(conninfo, "pgsafe status");
    require_tracking_access(connection, TrackingUse::Read);  // the owner and the fix, not "permission denied"
    Tracking tracking = load_tracking(connection);
    StatusReport report;
    report.database = connection.describe();
    report.runner = runner_lock_holder(connection);
    report.tracking_exists = tracking.exists;
    for (const auto& file : files) {
        const TrackedMigration* t = tracking.find(file.version);
        MigrationStatus s = t != nullptr ? from_tracked(*t) : MigrationStatus{};
        s.version = file.version;
        s.name = file.name;
        s.path = file.path.string();
        s.checksum = file.checksum;
        if (t == nullptr || outdated_repeatable(file, t))
            s.state = MigrationState::Pending;  // a changed Flyway repeatable runs again
        else if (!file.has_checksum(t->checksum) && t->state == TrackedState::Applied)
            s.state = MigrationState::Drift;
        report.migrations.push_back(std::move(s));
    }
    for (const auto& t : tracking.migrations) {
        bool has_file = false;
        for (const auto& f : files) has_file = has_file || f.version == t.version;
        if (has_file) continue;
        MigrationStatus s = from_tracked(t);
        if (s.state == MigrationState::Applied)
            s.state = MigrationState::Missing;  // applied, but its file is gone
        report.migrations.push_back(std::move(s));
    }
    return report;
}

}  // namespace pgsafe::runner
