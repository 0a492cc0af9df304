// Reporting a run and the status of the migrations.

#include "pgsafe/report/migrate_report.hpp"

#include "plan_verdict.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pgsafe::report {
namespace {

using nlohmann::json;

std::string dump(const json& j) {
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

json error_json(const std::optional<RunError>& e) {
    if (!e) return nullptr;
    return {{"message", e->message},
            {"migration", e->migration.empty() ? json() : json(e->migration)},
            {"step", e->step ? json(*e->step) : json()},
            {"location", e->location.empty() ? json() : json(e->location)},
            {"sqlstate", e->sqlstate.empty() ? json() : json(e->sqlstate)}};
}

std::string seconds(long long ms) {
    return fmt::format("{:.1f} s", ms / 1000.0);
}

// "running" with nobody holding the runner lock is a run that died.
std::string shown_state(const MigrationStatus& m, const StatusReport& report) {
    if (m.state == MigrationState::Running && report.runner.empty())
        return "running (runner gone: migrate resumes it)";
    return migration_state_name(m.state);
}

}  // namespace

std::string migrate_json(const RunResult& result) {
    json applied = json::array();
    for (const auto& a : result.applied)
        applied.push_back({{"version", a.version},
                           {"name", a.name},
                           {"steps", a.steps},
                           {"duration_ms", a.duration_ms},
                           {"lock_wait_ms", a.lock_wait_ms},
                           {"retries", a.retries},
                           {"resumed", a.resumed}});
    return dump({{"version", 1},
                 {"status", run_status_name(result.status)},
                 {"applied", applied},
                 {"pending", result.pending},
                 {"error", error_json(result.error)}});
}

std::string migrate_text(const RunResult& result) {
    std::string out;
    for (const auto& a : result.applied)
        out += fmt::format("applied {} {}{}: {} step{} in {} (lock wait {}, {} retr{})\n", a.version, a.name,
                           a.resumed ? " (resumed)" : "", a.steps, a.steps == 1 ? "" : "s",
                           seconds(a.duration_ms), seconds(a.lock_wait_ms), a.retries,
                           a.retries == 1 ? "y" : "ies");
    // The message starts with the file and line it is about, when there is one.
    if (result.error) out += fmt::format("{}: {}\n", run_status_name(result.status), result.error->message);
    if (result.applied.empty() && !result.error) out += "nothing to apply: the database is up to date\n";
    if (!result.pending.empty()) out += fmt::format("pending: {}\n", fmt::join(result.pending, ", "));
    return out;
}

std::string status_json(const StatusReport& report) {
    json migrations = json::array();
    for (const auto& m : report.migrations) {
        json j = {{"version", m.version},
                  {"name", m.name},
                  {"state", migration_state_name(m.state)},
                  {"path", m.path.empty() ? json() : json(m.path)},
                  {"checksum", m.checksum.empty() ? json() : json(m.checksum)},
                  {"applied_checksum", m.applied_checksum.empty() ? json() : json(m.applied_checksum)},
                  {"applied_by", m.applied_by.empty() ? json() : json(m.applied_by)},
                  {"started_at", m.started_at.empty() ? json() : json(m.started_at)},
                  {"finished_at", m.finished_at.empty() ? json() : json(m.finished_at)},
                  {"duration_ms", m.duration_ms ? json(*m.duration_ms) : json()},
                  {"steps_done", m.steps_done},
                  {"steps_total", m.steps_total},
                  {"error", m.error.empty() ? json() : json(m.error)}};
        if (m.verdict) j["verdict"] = json::parse(verdict_json(*m.verdict).dump());
        migrations.push_back(j);
    }
    return dump({{"version", 1},
                 {"database", report.database},
                 {"runner", report.runner.empty() ? json() : json(report.runner)},
                 {"migrations", migrations}});
}

std::string status_text(const StatusReport& report) {
    std::string out =
        fmt::format("{}: {}\n", report.database,
                    report.runner.empty() ? "no runner at work" : "a runner is at work: " + report.runner);
    if (!report.tracking_exists) out += "no migration has run here yet (schema \"pgsafe\" does not exist)\n";
    for (const auto& m : report.migrations) {
        out += fmt::format("  {:<10} {:<9} {}", m.version, shown_state(m, report), m.name);
        if (m.state == MigrationState::Applied && m.duration_ms)
            out += fmt::format("  (by {}, {}, {})", m.applied_by, m.finished_at, seconds(*m.duration_ms));
        if (m.state == MigrationState::Failed || m.state == MigrationState::Running)
            out += fmt::format("  ({} of {} steps applied)", m.steps_done, m.steps_total);
        out += "\n";
        if (m.state == MigrationState::Drift)
            out += fmt::format("             applied {}\n             file now {}\n", m.applied_checksum,
                               m.checksum);
        if (!m.error.empty()) out += fmt::format("             error: {}\n", m.error);
        if (m.verdict && m.verdict->allowed) out += "             allowed now\n";
        if (m.verdict && !m.verdict->allowed)
            for (const auto& r : m.verdict->reasons)
                out += fmt::format("             refused: {}: {}\n", r.code, r.message);
    }
    return out;
}

}  // namespace pgsafe::report
