// Approving and revoking through the database's own functions, and reading
// approvals back. pgsafe sends no INSERT into pgsafe.approvals: the
// functions, owned by the schema's owner, are the only writers, and they
// take the approver from session_user, so no flag can name someone else.

#include "pgsafe/runner/approvals.hpp"

#include "session.hpp"
#include "sql_text.hpp"
#include "tracking_access.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"

#include <date/date.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

// A refusal from the functions (or from the grants in front of them) as the approver should read it.
[[noreturn]] void rethrow_for_approver(const db::DatabaseError& e, const std::string& me) {
    const std::string& state = e.sqlstate();
    if (state == "42501") {
        std::string what = e.what();
        if (what.find("permission denied for") != std::string::npos)
            throw Error(
                ErrorKind::Refused,
                fmt::format("role {} may not approve or revoke: pgsafe init grants EXECUTE on pgsafe.approve "
                            "and pgsafe.revoke only to the policy's [access] approve roles ({})",
                            me, what));
        throw Error(ErrorKind::Refused, what);
    }
    if (state == "3F000" || state == "42883" || state == "42P01")
        throw Error(
            ErrorKind::Usage,
            fmt::format("this database has no pgsafe.approve: an administrator runs `pgsafe init --env "
                        "ENVIRONMENT` first ({})",
                        e.what()));
    if (state == "22023") throw Error(ErrorKind::Usage, e.what());
    if (state == "55000")  // pgsafe.approve: init has stored no approve roles
        throw Error(ErrorKind::Usage,
                    fmt::format("{}: an administrator runs `pgsafe init --env ENVIRONMENT` with a "
                                "policy whose [access] approve names the approvers",
                                e.what()));
    throw e;
}

std::string session_user(db::Connection& c) {
    return c.query("SELECT session_user", "asking who is connected").at(0).at(0).value_or("");
}

std::string interval_literal(std::optional<std::chrono::seconds> valid_for) {
    return valid_for ? fmt::format("'{} seconds'::interval", valid_for->count()) : "NULL::interval";
}

template <typename F>
void in_transaction(db::Connection& c, F&& f) {
    c.execute("BEGIN", "recording approvals");
    try {
        f();
        c.execute("COMMIT", "recording approvals");
    } catch (...) {
        try {
            c.execute("ROLLBACK", "recording approvals");
        } catch (...) {
        }
        throw;
    }
}

// Every approval with its times as Unix seconds, the approve roles its
// approver belongs to now (pgsafe.approve's own list, which init writes into
// its source, and the caller's), and who ran the migration. to_jsonb(a): revoked_at and
// revoked_by are absent from a schema older than the policies upgrade.
const char* const k_list_query = R"(
WITH stored AS (
    SELECT pg_catalog.jsonb_array_elements_text(
               substring(p.prosrc FROM $re$v_roles jsonb := '([^']*)';$re$)::pg_catalog.jsonb) AS name
      FROM pg_catalog.pg_proc p
     WHERE p.oid = pg_catalog.to_regprocedure('pgsafe.approve(text,text,text,interval)')),
roles AS (SELECT name FROM stored UNION SELECT pg_catalog.unnest({}::pg_catalog.text[]))
SELECT pg_catalog.json_build_object(
  'now', extract(epoch FROM pg_catalog.now())::bigint,
  'approve_roles', (SELECT coalesce(pg_catalog.json_agg(name ORDER BY name), '[]') FROM stored),
  'approvals', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
        'row', pg_catalog.to_jsonb(a),
        'created', extract(epoch FROM a.created_at)::bigint,
        'expires', extract(epoch FROM a.expires_at)::bigint,
        'revoked', extract(epoch FROM (pg_catalog.to_jsonb(a) ->> 'revoked_at'::pg_catalog.text)::pg_catalog.timestamptz)::bigint,
        'member_of', (SELECT coalesce(pg_catalog.json_agg(r.name ORDER BY r.name), '[]') FROM roles r
                        JOIN pg_catalog.pg_roles g ON g.rolname = r.name
                        JOIN pg_catalog.pg_roles ar ON ar.rolname = a.approver
                       WHERE pg_catalog.pg_has_role(ar.oid, g.oid, 'MEMBER')),
        'runner', (SELECT m.applied_by FROM pgsafe.migrations m WHERE m.version = a.version))
      ORDER BY a.id), '[]') FROM pgsafe.approvals a))::pg_catalog.text)";

std::optional<long long> optional_number(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->get<long long>();
}

std::optional<std::string> optional_text(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->get<std::string>();
}

ApprovalRow row_from_json(const json& j) {
    const json& a = j.at("row");
    ApprovalRow r;
    r.id = a.at("id").get<long long>();
    r.version = a.at("version").get<std::string>();
    r.checksum = a.at("checksum").get<std::string>();
    r.approver = a.at("approver").get<std::string>();
    r.reason = a.at("reason").get<std::string>();
    r.created_at = j.at("created").get<long long>();
    r.expires_at = optional_number(j, "expires");
    r.revoked_at = optional_number(j, "revoked");
    r.revoked_by = optional_text(a, "revoked_by");
    r.approver_member_of = j.at("member_of").get<std::vector<std::string>>();
    r.runner = optional_text(j, "runner");
    return r;
}

std::string text_array(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + literal(i);
    return "ARRAY[" + out + "]::pg_catalog.text[]";
}

}  // namespace

std::string utc_text(long long unix_seconds) {
    return date::format("%F %T UTC", date::sys_seconds{std::chrono::seconds(unix_seconds)});
}

std::optional<StoredEnvironment> read_stored_environment(const std::string& conninfo) {
    db::Connection c = open_session(conninfo, "pgsafe approve");
    auto readable = c.query(
        "SELECT coalesce(pg_catalog.has_schema_privilege(n.oid, 'USAGE') AND "
        "pg_catalog.has_table_privilege(e.oid, 'SELECT'), false) "
        "FROM (SELECT 1) one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = 'pgsafe' "
        "LEFT JOIN pg_catalog.pg_class e ON e.relnamespace = n.oid AND e.relname = 'environment'",
        "looking for the stored environment");
    if (readable.at(0).at(0) != std::optional<std::string>("t")) return std::nullopt;
    auto rows = c.query("SELECT name, policy FROM pgsafe.environment", "reading the stored environment");
    if (rows.empty()) return std::nullopt;
    return StoredEnvironment{rows.at(0).at(0).value_or(""), rows.at(0).at(1).value_or("")};
}

ApproveResult approve(const std::string& conninfo, const std::vector<ApprovalTarget>& targets,
                      const std::string& reason, std::optional<std::chrono::seconds> valid_for) {
    db::Connection c = open_session(conninfo, "pgsafe approve");
    ApproveResult result{c.describe(), session_user(c), {}};
    try {
        in_transaction(c, [&] {
            for (const auto& t : targets) {
                auto id =
                    c.query(fmt::format("SELECT pgsafe.approve({}, {}, {}, {})", literal(t.version),
                                        literal(t.checksum), literal(reason), interval_literal(valid_for)),
                            fmt::format("approving migration {}", t.version))
                        .at(0)
                        .at(0)
                        .value_or("0");
                auto expires = c.query(
                    fmt::format("SELECT pg_catalog.to_char(expires_at AT TIME ZONE 'UTC', "
                                "'YYYY-MM-DD HH24:MI:SS \"UTC\"') FROM pgsafe.approvals WHERE id = {}",
                                id),
                    "reading the approval back");
                result.approved.push_back({std::stoll(id), t.version, t.checksum,
                                           expires.empty() ? std::nullopt : expires.at(0).at(0)});
            }
        });
    } catch (const db::DatabaseError& e) {
        rethrow_for_approver(e, result.approver);
    }
    return result;
}

RevokeResult revoke(const std::string& conninfo, const std::string& version) {
    db::Connection c = open_session(conninfo, "pgsafe revoke");
    RevokeResult result{c.describe(), session_user(c), 0};
    try {
        auto rows = c.query(fmt::format("SELECT pgsafe.revoke({})", literal(version)),
                            fmt::format("revoking the approvals of migration {}", version));
        result.revoked = std::stoi(rows.at(0).at(0).value_or("0"));
    } catch (const db::DatabaseError& e) {
        rethrow_for_approver(e, result.approver);
    }
    return result;
}

ApprovalList list_approvals(const std::string& conninfo, const std::vector<std::string>& also_roles) {
    db::Connection c = open_session(conninfo, "pgsafe approvals");
    ApprovalList list;
    list.database = c.describe();
    require_tracking_access(c, TrackingUse::Read);  // the owner and the fix, not "permission denied"
    bool has_schema =
        c.query("SELECT pg_catalog.to_regclass('pgsafe.approvals') IS NOT NULL", "looking for approvals")
            .at(0)
            .at(0) == std::optional<std::string>("t");
    if (!has_schema) {
        list.now =
            std::stoll(c.query("SELECT extract(epoch FROM pg_catalog.now())::bigint", "reading the clock")
                           .at(0)
                           .at(0)
                           .value_or("0"));
        return list;
    }
    auto rows = c.query(fmt::format(k_list_query, text_array(also_roles)), "reading the approvals");
    json j = json::parse(rows.at(0).at(0).value_or("{}"));
    list.now = j.at("now").get<long long>();
    list.approve_roles = j.at("approve_roles").get<std::vector<std::string>>();
    for (const auto& a : j.at("approvals")) list.approvals.push_back(row_from_json(a));
    if (c.query("SELECT pg_catalog.to_regclass('pgsafe.environment') IS NOT NULL",
                "looking for the environment")
            .at(0)
            .at(0) == std::optional<std::string>("t")) {
        auto env = c.query("SELECT name, policy FROM pgsafe.environment", "reading the stored environment");
        if (!env.empty()) {
            list.environment = env.at(0).at(0);
            list.policy = env.at(0).at(1);
        }
    }
    return list;
}

}  // namespace pgsafe::runner
