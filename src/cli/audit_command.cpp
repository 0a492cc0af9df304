// `pgsafe audit [--since 7d]`: who did what to this database and when:
// runs and their steps, retries, refusals with every reason, approvals and
// revocations, break-glass uses, init. Text for people, JSON to keep.

#include "admin_policy.hpp"
#include "commands.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/runner/audit.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace pgsafe::cli {
namespace {

using nlohmann::json;

std::string text_of(const json& detail, const char* key) {
    auto it = detail.find(key);
    if (it == detail.end() || it->is_null()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

// The first line of a step's SQL, cut to a readable length.
std::string first_line(const std::string& sql) {
    std::string line = sql.substr(0, sql.find('\n'));
    return line.size() > 70 ? line.substr(0, 67) + "..." : line;
}

std::string refusal_text(const json& d) {
    if (auto reasons = d.find("reasons"); reasons != d.end() && reasons->is_array()) {  // the policy verdict
        std::string out;
        for (const auto& r : *reasons)
            out +=
                fmt::format("{}{}: {}", out.empty() ? "" : "; ", text_of(r, "code"), text_of(r, "message"));
        return out;
    }
    return fmt::format("{}: {}", text_of(d, "code"), text_of(d, "reason"));
}

// What an entry says, in a line, per kind; an unknown kind shows its detail as
// recorded.
std::string describe(const runner::AuditEntry& e) {
    const json& d = e.detail;
    if (e.kind == "refused") return "refused: " + refusal_text(d);
    if (e.kind == "approved")
        return fmt::format("approved {}{}: \"{}\"", text_of(d, "checksum").substr(0, 19),
                           d.contains("expires_at") && !d["expires_at"].is_null()
                               ? " until " + text_of(d, "expires_at")
                               : std::string(),
                           text_of(d, "reason"));
    if (e.kind == "revoked") return fmt::format("revoked approval(s) {}", text_of(d, "ids"));
    if (e.kind == "break-glass")
        return fmt::format("break-glass, overriding {}: \"{}\"", text_of(d, "overridden"),
                           text_of(d, "reason"));
    if (e.kind == "init")
        return fmt::format(
            "init: environment \"{}\" from {} (sha256 {}), schema "
            "version {}, run {}, approve {}",
            text_of(d, "environment"), text_of(d, "policy"), text_of(d, "checksum").substr(0, 12),
            text_of(d, "schema_to"), text_of(d, "run"), text_of(d, "approve"));
    if (e.kind == "migration-started" || e.kind == "migration-resumed")
        return fmt::format("{} ({})", e.kind, text_of(d, "checksum").substr(0, 19));
    if (e.kind == "migration-failed" || e.kind == "interrupted" || e.kind == "runner-lock-lost")
        return fmt::format("{}: {}", e.kind, text_of(d, "message"));
    if (e.kind == "retry")
        return fmt::format("retry {} after {}", text_of(d, "attempt"), text_of(d, "sqlstate"));
    if (e.kind == "step-applied" || e.kind == "step-failed")
        return fmt::format("{}: {} (attempts {}, lock wait {} ms){}", e.kind, first_line(text_of(d, "sql")),
                           text_of(d, "attempts"), text_of(d, "lock_wait_ms"),
                           text_of(d, "error").empty() ? "" : ": " + text_of(d, "error"));
    if (d.empty()) return e.kind;
    return fmt::format("{} {}", e.kind, d.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string audit_text(const runner::AuditLog& log, const std::string& since) {
    std::string out =
        fmt::format("audit of {}{}{}\n", log.database,
                    log.environment ? fmt::format(" (environment \"{}\")", *log.environment) : "",
                    since.empty() ? "" : fmt::format(", last {}", since));
    if (!log.tracking_exists) return out + "  nothing recorded: pgsafe has not run here (no schema pgsafe)\n";
    if (log.entries.empty()) return out + "  nothing recorded in that time\n";
    for (const auto& e : log.entries) {
        std::string what =
            e.version ? fmt::format("{}{}", *e.version, e.step ? fmt::format(" step {}", *e.step) : "")
                      : std::string("-");
        out += fmt::format("{}  {:<12} {:<16} {}\n", e.at_text, e.role, what, describe(e));
    }
    return out;
}

std::string audit_json(const runner::AuditLog& log, const std::string& since) {
    json entries = json::array();
    for (const auto& e : log.entries)
        entries.push_back({{"id", e.id ? json(*e.id) : json()},
                           {"at", e.at_text},
                           {"role", e.role},
                           {"kind", e.kind},
                           {"version", e.version ? json(*e.version) : json()},
                           {"step", e.step ? json(*e.step) : json()},
                           {"detail", e.detail}});
    return json({{"database", log.database},
                 {"environment", log.environment ? json(*log.environment) : json()},
                 {"since", since.empty() ? json() : json(since)},
                 {"entries", entries}})
               .dump(2, ' ', false, json::error_handler_t::replace) +
           "\n";
}

}  // namespace

void add_audit_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto since = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("audit",
                                       "Who ran, approved, revoked, was refused or "
                                       "broke glass, and when (from pgsafe.events)");
    cmd->add_option("--since", *since, "Only the last DURATION, e.g. 7d, 24h, 30m (default: everything)");
    cmd->callback([since, &global, &code] {
        if (global.format != "text" && global.format != "json")
            throw Error(ErrorKind::Usage, "pgsafe audit writes --format text or json");
        std::optional<std::chrono::seconds> window;
        if (!since->empty()) window = duration_flag("--since", *since);
        runner::AuditLog log = runner::read_audit(db::resolve_conninfo(global.db), window);
        std::string out = global.format == "json" ? audit_json(log, *since) : audit_text(log, *since);
        std::fwrite(out.data(), 1, out.size(), stdout);
        code = exit_code(ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli
