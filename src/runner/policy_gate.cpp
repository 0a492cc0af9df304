// The I/O half of the policy: what the database says about the environment
// (pgsafe.environment, written by `pgsafe init`), the role running pgsafe
// and the approvals on record, fed with the clock to the pure verdict
// engine (src/policy/) right before each migration starts.

#include "pgsafe/runner/policy_gate.hpp"

#include "session.hpp"
#include "sql_text.hpp"
#include "tracking_access.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <thread>

namespace pgsafe::runner {
namespace {

using policy::TimePoint;

TimePoint now() {
    return std::chrono::time_point_cast<policy::Seconds>(std::chrono::system_clock::now());
}

// The gate's own session, for the approvals it reads before each migration.
db::Connection open_gate_session(const std::string& conninfo) {
    return open_session(conninfo, "pgsafe migrate (policy)");
}

bool is_true(const std::optional<std::string>& value) {
    return value && *value == "t";
}

std::string in_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + literal(n);
    return out.empty() ? "NULL" : out;
}

enum class Relation { Missing, Unreadable, Readable };

// pg_class, not to_regclass: a role without USAGE on schema pgsafe may still ask.
Relation relation(db::Connection& c, const char* name) {
    std::string text(name);
    auto dot = text.find('.');
    auto rows = c.query(
        fmt::format(
            "SELECT pg_catalog.has_table_privilege(session_user, c.oid, 'SELECT') AND "
            "pg_catalog.has_schema_privilege(session_user, n.oid, 'USAGE') FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND "
            "c.relname = {}",
            literal(text.substr(0, dot)), literal(text.substr(dot + 1))),
        "reading the catalog");
    if (rows.empty()) return Relation::Missing;
    return is_true(rows[0][0]) ? Relation::Readable : Relation::Unreadable;
}

bool relation_exists(db::Connection& c, const char* name) {
    return relation(c, name) != Relation::Missing;
}

// Readable tables only: what a role cannot read makes the verdict stricter, never looser.
bool readable(db::Connection& c, const char* name) {
    return relation(c, name) == Relation::Readable;
}

std::optional<TimePoint> epoch(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return TimePoint{policy::Seconds{std::stoll(*text)}};
}

nlohmann::json reasons_json(const policy::Verdict& v) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : v.reasons) out.push_back({{"code", r.code}, {"message", r.message}});
    return out;
}

}  // namespace

std::optional<StoredEnvironment> read_stored_environment(db::Connection& c) {
    Relation stored = relation(c, "pgsafe.environment");
    if (stored == Relation::Missing) return std::nullopt;
    // A role without its grants on schema pgsafe hears who owns it and the fix (exit 4).
    if (stored == Relation::Unreadable) require_tracking_access(c, TrackingUse::Read);
    if (stored == Relation::Unreadable)  // fail closed: never fall back to the disk policy
        throw Error(
            ErrorKind::Refused,
            "session_user cannot read pgsafe.environment, the policy stored by pgsafe init: nothing can be "
            "judged; GRANT SELECT on it (pgsafe init grants it to the run roles)");
    auto rows = c.query("SELECT name, policy FROM pgsafe.environment", "reading the stored environment");
    if (rows.empty() || !rows[0][0] || !rows[0][1]) return std::nullopt;
    return StoredEnvironment{*rows[0][0], *rows[0][1]};
}

policy::Identity read_identity(db::Connection& c, const policy::Policy& p) {
    policy::Identity id;
    bool approvals = relation_exists(c, "pgsafe.approvals");
    auto rows = c.query(
        fmt::format("SELECT session_user, r.rolsuper, {} FROM pg_catalog.pg_roles r WHERE r.rolname = "
                    "session_user",
                    approvals
                        // INSERT or UPDATE on any one column is enough to forge one
                        ? "(SELECT pg_catalog.has_table_privilege(session_user, c.oid, 'DELETE') OR "
                          "pg_catalog.has_any_column_privilege(session_user, c.oid, 'INSERT, UPDATE') FROM "
                          "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname = 'pgsafe' AND c.relname = 'approvals')"
                        : "false"),
        "reading who runs pgsafe");
    if (rows.empty()) throw Error(ErrorKind::Database, "session_user is not in pg_roles");
    id.user = rows[0][0].value_or("");
    id.superuser = is_true(rows[0][1]);
    id.can_write_approvals = is_true(rows[0][2]);
    for (const auto& mention : policy::roles_named(p)) {
        auto found = c.query(fmt::format("SELECT pg_catalog.pg_has_role(session_user, oid, 'MEMBER') FROM "
                                         "pg_catalog.pg_roles WHERE rolname = {}",
                                         literal(mention.role)),
                             "reading role memberships");
        if (found.empty())
            throw Error(ErrorKind::Usage,
                        fmt::format("{}: role \"{}\" named by {} does not exist in the database", p.origin,
                                    mention.role, mention.key));
        if (is_true(found[0][0])) id.member_of.insert(mention.role);
    }
    return id;
}

std::vector<policy::ApprovalRecord> read_approvals(db::Connection& c, const policy::Policy& p,
                                                   const std::vector<std::string>& versions) {
    std::vector<policy::ApprovalRecord> out;
    if (versions.empty() || !readable(c, "pgsafe.approvals")) return out;
    std::string may_approve;
    for (const auto& role : p.access.approve)
        may_approve += (may_approve.empty() ? "" : " OR ") +
                       fmt::format("pg_catalog.pg_has_role(a.approver, {}, 'MEMBER')", literal(role));
    if (may_approve.empty()) may_approve = "false";
    auto rows = c.query(
        fmt::format(
            "SELECT a.id, a.version, a.checksum, a.approver, extract(epoch FROM a.created_at)::bigint, "
            "extract(epoch FROM a.expires_at)::bigint, "
            "extract(epoch FROM (pg_catalog.to_jsonb(a) ->> "
            "'revoked_at'::pg_catalog.text)::pg_catalog.timestamptz)::bigint, "
            "CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = a.approver) THEN {} ELSE "
            "false END "
            "FROM pgsafe.approvals a WHERE a.version IN ({}) ORDER BY a.id",
            may_approve, in_list(versions)),
        "reading approvals");
    for (const auto& row : rows) {
        policy::ApprovalRecord a;
        a.id = std::stoll(row[0].value_or("0"));
        a.version = row[1].value_or("");
        a.checksum = row[2].value_or("");
        a.approver = row[3].value_or("");
        a.created_at = epoch(row[4]).value_or(TimePoint{});
        a.expires_at = epoch(row[5]);
        a.revoked_at = epoch(row[6]);
        a.approver_may_approve = is_true(row[7]);
        out.push_back(std::move(a));
    }
    return out;
}

std::optional<std::pair<plan::Risk, std::set<std::string>>> stored_plan_facts(db::Connection& c,
                                                                              const std::string& version) {
    if (!readable(c, "pgsafe.migrations")) return std::nullopt;
    auto rows = c.query(
        fmt::format("SELECT plan ->> 'risk'::pg_catalog.text, (SELECT pg_catalog.string_agg(DISTINCT f ->> "
                    "'rule'::pg_catalog.text, "
                    "',') FROM pg_catalog.jsonb_array_elements(plan -> 'findings'::pg_catalog.text) f) FROM "
                    "pgsafe.migrations WHERE "
                    "version = {}",
                    literal(version)),
        "reading the stored plan");
    if (rows.empty() || !rows[0][0]) return std::nullopt;
    auto risk = policy::risk_from_name(*rows[0][0]);
    if (!risk) return std::nullopt;
    std::set<std::string> rules;
    std::string list = rows[0][1].value_or("");
    for (std::size_t start = 0; start < list.size();) {
        std::size_t comma = std::min(list.find(',', start), list.size());
        rules.insert(list.substr(start, comma - start));
        start = comma + 1;
    }
    return std::make_pair(*risk, rules);
}

EffectivePolicy effective_policy(db::Connection& c, const ChosenPolicy& chosen) {
    EffectivePolicy out;
    auto stored = read_stored_environment(c);
    if (!stored) {
        out.policy = chosen.on_disk;
        return out;
    }
    out.stored = true;
    std::string origin = fmt::format("the policy stored for {} in {}", stored->name, c.describe());
    out.policy = policy::parse_policy(stored->policy, origin, stored->name);  // fail closed
    if (chosen.explicit_environment && chosen.environment != stored->name)
        out.refusals.push_back(
            {"wrong-environment",
             fmt::format("the database {} was initialised as environment \"{}\", not \"{}\"", c.describe(),
                         stored->name, chosen.environment),
             fmt::format("run with --env {} (the database's environment wins)", stored->name), std::nullopt});
    else if (chosen.on_disk && chosen.on_disk->text != stored->policy)
        out.notes.push_back(
            fmt::format("{} differs from the policy stored in the database by pgsafe init; the "
                        "stored one applies (run pgsafe init --env {} to store the new one)",
                        chosen.on_disk->origin, stored->name));
    return out;
}

std::vector<Refusal> refusals_of(const policy::Verdict& v, const std::string& version,
                                 const std::string& path) {
    std::vector<Refusal> out;
    for (const auto& r : v.reasons)
        out.push_back(
            {r.code, fmt::format("{}: migration {}: {}", path, version, r.message), r.unlock, version});
    if (v.allowed_at && !out.empty())
        out.back().unlock +=
            fmt::format(" (allowed from {} at the earliest)", policy::iso_utc(*v.allowed_at));
    return out;
}

PolicyGate::PolicyGate(PolicyGateOptions options) : m_options(std::move(options)) {
    m_connection.emplace(open_gate_session(m_options.conninfo));
    read_policy(*m_connection);
}

PolicyGate::PolicyGate(PolicyGateOptions options, db::Connection& first_reads)
    : m_options(std::move(options)) {
    read_policy(first_reads);
    if (m_effective.policy) m_connection.emplace(open_gate_session(m_options.conninfo));
}

void PolicyGate::read_policy(db::Connection& connection) {
    m_effective = effective_policy(connection, m_options.chosen);
    for (const auto& note : m_effective.notes) spdlog::warn("{}", note);
    if (m_effective.policy) m_identity = read_identity(connection, *m_effective.policy);
}

PolicyGate::~PolicyGate() = default;

GateDecision PolicyGate::check(const GateInput& input) {
    GateDecision decision;
    const std::string& version = input.file->version;
    std::string path = input.file->path.string();
    if (!m_effective.refusals.empty()) {
        for (auto r : m_effective.refusals) {
            r.version = version;
            decision.refusals.push_back(r);
        }
        nlohmann::json reasons = nlohmann::json::array();
        for (const auto& r : m_effective.refusals)
            reasons.push_back({{"code", r.code}, {"message", r.message}});
        decision.events.push_back(
            {"refused", {{"reasons", reasons}, {"environment", m_options.chosen.environment}}});
        return decision;
    }
    if (!m_effective.policy) return decision;
    const policy::Policy& p = *m_effective.policy;
    policy::MigrationFacts facts{version, input.file->checksum, input.risk.value_or(plan::Risk::High),
                                 std::nullopt, input.rules};
    if (!input.risk) {
        if (auto stored = stored_plan_facts(*m_connection, version)) {
            facts.risk = stored->first;
            facts.rules = stored->second;
        }
    }
    if (input.estimated_seconds)
        facts.estimate = policy::Seconds(static_cast<long long>(std::ceil(*input.estimated_seconds)));
    TimePoint deadline = now() + m_options.wait_for_window.value_or(policy::Seconds(0));
    TimePoint last_note{};
    for (;;) {
        policy::Request request{now(), m_identity, read_approvals(*m_connection, p, {version}),
                                m_options.break_glass};
        policy::Verdict v = policy::decide(p, facts, request);
        bool timing_only =
            !v.reasons.empty() && std::all_of(v.reasons.begin(), v.reasons.end(), [](const auto& r) {
                return r.code == policy::k_outside_window || r.code == policy::k_frozen;
            });
        bool wait = timing_only && m_options.wait_for_window && v.allowed_at && *v.allowed_at <= deadline;
        if (wait) {
            if (request.now - last_note >= policy::Seconds(30) && m_options.progress) {
                m_options.progress(fmt::format("migration {}: waiting {} for {} (--wait-for-window)", version,
                                               policy::describe_duration(*v.allowed_at - request.now),
                                               v.reasons.front().message));
                last_note = request.now;
            }
            bool slept = input.sleep ? input.sleep(std::chrono::milliseconds(500))
                                     : (std::this_thread::sleep_for(std::chrono::milliseconds(500)), true);
            if (!slept)
                throw Error(ErrorKind::Interrupted,
                            fmt::format("interrupted while waiting for the window of migration {}", version));
            continue;
        }
        if (v.break_glass && !v.overridden.empty())
            decision.events.push_back(
                {"break-glass", {{"reason", *m_options.break_glass}, {"overridden", v.overridden}}});
        if (!v.allowed) {
            decision.refusals = refusals_of(v, version, path);
            decision.events.push_back(
                {"refused", {{"reasons", reasons_json(v)}, {"environment", p.environment}}});
        }
        return decision;
    }
}

}  // namespace pgsafe::runner
