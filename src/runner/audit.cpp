// Reading the audit trail: pgsafe.events as recorded (the runner's events,
// refusals, break-glass uses, and the approvals and revocations the
// functions record), with each finished step from pgsafe.steps, in order.

#include "pgsafe/runner/audit.hpp"

#include "session.hpp"
#include "tracking_access.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

const char* const k_audit_query = R"(
WITH since AS (SELECT {} AS t),
entries AS (
  SELECT e.id, e.at, e.role, e.kind, e.version, e.step, e.detail
    FROM pgsafe.events e, since WHERE since.t IS NULL OR e.at >= since.t
  UNION ALL
  SELECT NULL, s.finished_at, m.applied_by, 'step-' || s.state, s.version, s.step,
         pg_catalog.jsonb_build_object('sql', s.sql, 'attempts', s.attempts, 'lock_wait_ms', s.lock_wait_ms, 'error', s.error)
    FROM pgsafe.steps s JOIN pgsafe.migrations m USING (version), since
   WHERE s.finished_at IS NOT NULL AND s.state IN ('applied', 'failed') AND (since.t IS NULL OR s.finished_at >= since.t))
SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
    'id', id, 'at', extract(epoch FROM at)::bigint,
    'at_text', pg_catalog.to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS "UTC"'),
    'role', role, 'kind', kind, 'version', version, 'step', step, 'detail', detail)
    ORDER BY at, id NULLS FIRST), '[]')::pg_catalog.text
  FROM entries)";

}  // namespace

AuditLog read_audit(const std::string& conninfo, std::optional<std::chrono::seconds> since) {
    db::Connection c = open_session(conninfo, "pgsafe audit");
    AuditLog log;
    log.database = c.describe();
    require_tracking_access(c, TrackingUse::Read);  // the owner and the fix, not "permission denied"
    log.tracking_exists =
        c.query("SELECT pg_catalog.to_regclass('pgsafe.events') IS NOT NULL", "looking for the audit log")
            .at(0)
            .at(0) == std::optional<std::string>("t");
    if (!log.tracking_exists) return log;
    if (c.query("SELECT pg_catalog.to_regclass('pgsafe.environment') IS NOT NULL",
                "looking for the environment")
            .at(0)
            .at(0) == std::optional<std::string>("t")) {
        auto env = c.query("SELECT name FROM pgsafe.environment", "reading the stored environment");
        if (!env.empty()) log.environment = env.at(0).at(0);
    }
    std::string from = since ? fmt::format("pg_catalog.now() - interval '{} seconds'", since->count())
                             : "NULL::pg_catalog.timestamptz";
    auto rows = c.query(fmt::format(k_audit_query, from), "reading the audit log");
    for (const auto& e : json::parse(rows.at(0).at(0).value_or("[]"))) {
        AuditEntry entry;
        if (!e.at("id").is_null()) entry.id = e.at("id").get<long long>();
        entry.at = e.at("at").get<long long>();
        entry.at_text = e.at("at_text").get<std::string>();
        entry.role = e.at("role").is_null() ? "" : e.at("role").get<std::string>();
        entry.kind = e.at("kind").get<std::string>();
        if (!e.at("version").is_null()) entry.version = e.at("version").get<std::string>();
        if (!e.at("step").is_null()) entry.step = e.at("step").get<int>();
        entry.detail = e.at("detail");
        log.entries.push_back(std::move(entry));
    }
    return log;
}

}  // namespace pgsafe::runner
