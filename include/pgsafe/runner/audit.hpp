#pragma once
// `pgsafe audit`: what happened to this database and who did it: runs,
// steps, retries, refusals with their reasons, approvals and revocations,
// break-glass uses and init, from pgsafe.events (and pgsafe.steps for each
// step's outcome). Read-only.

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

struct AuditEntry {
    std::optional<long long> id;  // pgsafe.events.id; nullopt for a step's outcome from pgsafe.steps
    long long at = 0;             // Unix seconds
    std::string at_text;          // "2026-12-01 07:00:03.123 UTC"
    std::string role;             // session_user of the connection that did it
    std::string kind;             // "migration-started", "refused", "approved", "step-applied", …
    std::optional<std::string> version;
    std::optional<int> step;
    nlohmann::json detail;  // as recorded: {"reason": …}, {"reasons": [...]}, …
};

struct AuditLog {
    std::string database;
    bool tracking_exists = false;
    std::optional<std::string> environment;  // stored by init
    std::vector<AuditEntry> entries;         // oldest first
};

// The entries at or after now - `since` (every one when nullopt).
AuditLog read_audit(const std::string& conninfo, std::optional<std::chrono::seconds> since);

}  // namespace pgsafe::runner
