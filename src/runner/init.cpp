// `pgsafe init`: the administrator's one-time set-up of a database. The
// role that runs it owns schema pgsafe; the grants are plain GRANTs (no
// event triggers, which need a superuser that managed services do not
// give), rebuilt from scratch each time so they say what the policy says.

#include "pgsafe/runner/init.hpp"

#include "interrupt.hpp"
#include "runner_lock.hpp"
#include "session.hpp"
#include "sql_text.hpp"
#include "tracking.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

// The tables the run roles may not write: approvals go through the functions,
// the environment and the schema version are the owner's.
const std::set<std::string> k_owner_only = {"approvals", "environment", "schema_version"};

struct SchemaOwner {
    std::string me;
    bool exists = false;
    std::string owner;
    bool acts_as_owner = false;  // me, a member of the owner, or a superuser
};

SchemaOwner schema_owner(db::Connection& c) {
    auto rows = c.query(
        "SELECT current_user, pg_catalog.pg_get_userbyid(n.nspowner), "
        "pg_catalog.pg_has_role(current_user, n.nspowner, 'USAGE') "
        "FROM (SELECT 1) one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = 'pgsafe'",
        "looking for the tracking schema");
    SchemaOwner out;
    out.me = rows.at(0).at(0).value_or("");
    out.exists = rows.at(0).at(1).has_value();
    out.owner = rows.at(0).at(1).value_or("");
    out.acts_as_owner = rows.at(0).at(2) == std::optional<std::string>("t");
    return out;
}

// Every role the policy names must exist: a typo would otherwise lock everyone out (or in).
void require_roles_exist(db::Connection& c, const InitRequest& request) {
    std::vector<const PolicyRole*> all;
    for (const auto* list : {&request.run, &request.approve, &request.break_glass})
        for (const auto& r : *list) all.push_back(&r);
    if (all.empty()) return;
    std::string names;
    for (const auto* r : all) names += (names.empty() ? "" : ", ") + literal(r->role);
    std::set<std::string> existing;
    for (const auto& row :
         c.query(fmt::format("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ({})", names),
                 "looking up the policy's roles"))
        existing.insert(row.at(0).value_or(""));
    for (const auto* r : all)
        if (existing.count(r->role) == 0)
            throw Error(
                ErrorKind::Usage,
                fmt::format("{}: {} names role \"{}\", which does not exist in this database: create it "
                            "(CREATE ROLE {}) or correct the policy",
                            request.policy_origin, r->key, r->role, ident(r->role)));
}

// What init cannot mend: a schema pgsafe did not make, or something in it that
// fires. (Owners and grants it sets right itself: it takes the schema over
// and rebuilds the grants.)
void refuse_untrusted(db::Connection& c) {
    std::vector<std::string> problems;
    for (auto& p : tracking_schema_problems(c))
        for (const char* unmendable : {"schema pgsafe was not created", "trigger ", "rule ", "function "})
            if (p.rfind(unmendable, 0) == 0) problems.push_back(p);
    if (problems.empty()) return;
    throw RefusedError({Refusal{"untrusted-tracking-schema",
                                fmt::format("the tracking schema pgsafe cannot be trusted, so init changed "
                                            "nothing: {}",
                                            fmt::join(problems, "; ")),
                                "remove what is listed (or DROP SCHEMA pgsafe CASCADE if it holds no history "
                                "you need), then run pgsafe init again",
                                std::nullopt}});
}

// The schema and everything in it become the connected role's (a superuser's,
// or a member's of the role that created it on its first run). Indexes and
// identity sequences follow their tables.
std::string take_over_sql(db::Connection& c) {
    std::string sql = "ALTER SCHEMA pgsafe OWNER TO CURRENT_USER;\n";
    for (const auto& row : c.query(R"(
SELECT 'TABLE pgsafe.' || pg_catalog.quote_ident(c.relname) FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'pgsafe' AND c.relkind IN ('r', 'p', 'v', 'm')
UNION ALL
SELECT 'FUNCTION ' || p.oid::pg_catalog.regprocedure::pg_catalog.text FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'pgsafe' ORDER BY 1)",
                                   "listing the tracking schema's objects"))
        sql += fmt::format("ALTER {} OWNER TO CURRENT_USER;\n", row.at(0).value_or(""));
    return sql;
}

// Every privilege anyone but the owner holds in the schema, revoked.
std::string revoke_all_sql(db::Connection& c) {
    std::string sql =
        "REVOKE ALL ON SCHEMA pgsafe FROM PUBLIC;\nREVOKE ALL ON ALL TABLES IN SCHEMA pgsafe FROM PUBLIC;\n"
        "REVOKE ALL ON ALL SEQUENCES IN SCHEMA pgsafe FROM PUBLIC;\n"
        "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pgsafe FROM PUBLIC;\n";
    auto rows = c.query(R"(
WITH n AS (SELECT oid, nspowner, nspacl FROM pg_catalog.pg_namespace WHERE nspname = 'pgsafe'),
acl AS (SELECT (pg_catalog.aclexplode(nspacl)).grantee FROM n
        UNION SELECT (pg_catalog.aclexplode(relacl)).grantee FROM pg_catalog.pg_class, n WHERE relnamespace = n.oid
        UNION SELECT (pg_catalog.aclexplode(proacl)).grantee FROM pg_catalog.pg_proc, n WHERE pronamespace = n.oid
        UNION SELECT (pg_catalog.aclexplode(a.attacl)).grantee FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_class c ON c.oid = a.attrelid, n WHERE c.relnamespace = n.oid)
SELECT DISTINCT r.rolname FROM acl JOIN pg_catalog.pg_roles r ON r.oid = acl.grantee
 WHERE acl.grantee <> (SELECT nspowner FROM n) AND r.rolname <> current_user ORDER BY 1)",
                        "listing the tracking schema's grants");
    for (const auto& row : rows) {
        std::string role = ident(row.at(0).value_or(""));
        sql += fmt::format(
            "REVOKE ALL ON SCHEMA pgsafe FROM {0};\nREVOKE ALL ON ALL TABLES IN SCHEMA pgsafe FROM {0};\n"
            "REVOKE ALL ON ALL SEQUENCES IN SCHEMA pgsafe FROM {0};\n"
            "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pgsafe FROM {0};\n",
            role);
    }
    return sql;
}

std::vector<std::string> grantees(const std::vector<PolicyRole>& a, const std::vector<PolicyRole>& b = {}) {
    std::vector<std::string> out;
    for (const auto* list : {&a, &b})
        for (const auto& r : *list)
            if (std::find(out.begin(), out.end(), r.role) == out.end()) out.push_back(r.role);
    return out;
}

std::string grantee_sql(const std::string& role) {
    return role == "PUBLIC" ? "PUBLIC" : ident(role);
}

// Run roles: read everything, write the run's tables, append events; never approvals.
// Events only through the columns event_sql writes: who (session_user) and when
// (the server's clock) are the defaults', so nobody appends in another's name or
// with a date of their choosing.
std::string grant_run_sql(db::Connection& c, const std::vector<std::string>& roles) {
    std::vector<std::string> writable;
    for (const auto& row :
         c.query("SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                 "c.relnamespace WHERE n.nspname = 'pgsafe' AND c.relkind IN ('r', 'p') ORDER BY 1",
                 "listing the tracking tables"))
        writable.push_back(row.at(0).value_or(""));
    writable.erase(
        std::remove_if(writable.begin(), writable.end(),
                       [](const std::string& t) { return k_owner_only.count(t) > 0 || t == "events"; }),
        writable.end());
    std::string tables;
    for (const auto& t : writable) tables += (tables.empty() ? "pgsafe." : ", pgsafe.") + ident(t);
    std::string sql;
    for (const auto& role : roles) {
        std::string g = grantee_sql(role);
        sql += fmt::format(
            "GRANT USAGE ON SCHEMA pgsafe TO {0};\nGRANT SELECT ON ALL TABLES IN SCHEMA pgsafe TO {0};\n"
            "GRANT INSERT (kind, version, step, detail) ON pgsafe.events TO {0};\n",
            g);
        if (!tables.empty()) sql += fmt::format("GRANT INSERT, UPDATE, DELETE ON {} TO {};\n", tables, g);
    }
    return sql;
}

// Approve roles: read everything, and the two functions that write approvals.
std::string grant_approve_sql(const std::vector<std::string>& roles) {
    std::string sql;
    for (const auto& role : roles)
        sql += fmt::format(
            "GRANT USAGE ON SCHEMA pgsafe TO {0};\nGRANT SELECT ON ALL TABLES IN SCHEMA pgsafe TO {0};\n"
            "GRANT EXECUTE ON FUNCTION pgsafe.approve(text, text, text, interval), pgsafe.revoke(text) TO "
            "{0};\n",
            ident(role));
    return sql;
}

struct StoredEnvironment {
    std::string name;
    std::string checksum;
};

std::optional<StoredEnvironment> stored_environment(db::Connection& c) {
    auto exists = c.query("SELECT pg_catalog.to_regclass('pgsafe.environment') IS NOT NULL",
                          "looking for the environment");
    if (exists.at(0).at(0) != std::optional<std::string>("t")) return std::nullopt;
    auto rows = c.query("SELECT name, checksum FROM pgsafe.environment", "reading the stored environment");
    if (rows.empty()) return std::nullopt;
    return StoredEnvironment{rows.at(0).at(0).value_or(""), rows.at(0).at(1).value_or("")};
}

std::string store_environment_sql(const InitRequest& request, const std::string& checksum) {
    return fmt::format(
        "INSERT INTO pgsafe.environment (name, policy, checksum) VALUES ({0}, {1}, {2}) "
        "ON CONFLICT (singleton) DO UPDATE SET name = {0}, policy = {1}, checksum = {2}, stored_at = "
        "pg_catalog.now(), "
        "stored_by = session_user;\n",
        literal(request.environment), literal(request.policy_text), literal(checksum));
}

json role_names(const std::vector<PolicyRole>& roles) {
    json out = json::array();
    for (const auto& r : roles) out.push_back(r.role);
    return out;
}

// f(), between BEGIN and COMMIT: queries in it see what it created.
template <typename F>
void in_transaction(db::Connection& c, F&& f) {
    c.execute("BEGIN", "initialising the database");
    try {
        f();
        c.execute("COMMIT", "initialising the database");
    } catch (...) {
        try {
            c.execute("ROLLBACK", "initialising the database");
        } catch (...) {
        }
        throw;
    }
}

}  // namespace

InitResult init_database(const InitRequest& request) {
    InterruptWatch interrupt;  // the runner lock's wait is interruptible
    db::Connection c = open_session(request.conninfo, "pgsafe init");
    InitResult result;
    result.database = c.describe();
    require_roles_exist(c, request);  // before anything changes
    // No migrate while the schema changes; not through a pooler in transaction mode.
    RunnerLock lock(open_lock_session(request.conninfo, c), request.lock_wait, interrupt);
    SchemaOwner owner = schema_owner(c);
    if (owner.exists && !owner.acts_as_owner)
        throw db::database_error(
            "initialising the tracking schema",
            fmt::format(
                "schema pgsafe belongs to {0}, which created it (on its first run, or with pgsafe init), "
                "and role {1} is neither {0}, a member of it, nor a superuser: run pgsafe init as a "
                "superuser (it takes the schema over) or as {0} ({0} then keeps owning it)",
                owner.owner, owner.me),
            "42501");
    refuse_untrusted(c);  // init grants nothing on a schema someone else could have rigged

    result.schema_from = installed_tracking_version(c);
    result.schema_to = tracking_schema_version();
    if (result.schema_from > result.schema_to)
        throw Error(ErrorKind::Usage,
                    fmt::format("the tracking schema \"pgsafe\" is at version {}, newer than "
                                "this pgsafe knows ({}): upgrade pgsafe",
                                result.schema_from, result.schema_to));
    result.owner = owner.me;
    if (owner.exists && owner.owner != owner.me) result.previous_owner = owner.owner;
    std::optional<StoredEnvironment> before = stored_environment(c);
    result.checksum = source::sha256_checksum(request.policy_text).substr(7);  // without "sha256:"
    if (before) {
        result.previous_environment = before->name;
        result.policy_changed = before->checksum != result.checksum || before->name != request.environment;
    }
    result.run_grantees =
        request.run.empty() ? std::vector<std::string>{"PUBLIC"} : grantees(request.run, request.break_glass);
    result.approve_grantees = grantees(request.approve);
    json detail = {{"environment", request.environment},
                   {"previous_environment", before ? json(before->name) : json()},
                   {"policy", request.policy_origin},
                   {"checksum", result.checksum},
                   {"policy_changed", result.policy_changed},
                   {"schema_from", result.schema_from},
                   {"schema_to", result.schema_to},
                   {"previous_owner", result.previous_owner ? json(*result.previous_owner) : json()},
                   {"run", role_names(request.run)},
                   {"approve", role_names(request.approve)},
                   {"break_glass", role_names(request.break_glass)}};

    in_transaction(c, [&] {
        // The work key: a killed runner's creation of the schema in flight ends first (runner_lock.hpp).
        c.execute(lock_check_sql(lock.backend_pid()), "checking the runner lock");
        if (result.previous_owner) c.execute(take_over_sql(c), "taking the tracking schema over");
        for (const auto& script : tracking_upgrades(result.schema_from))
            c.execute(script, "creating or upgrading the tracking schema \"pgsafe\"");
        // pgsafe.approve checks membership in the approve roles itself (grants alone are not trusted).
        c.execute(approver_functions_sql(result.approve_grantees),
                  "creating pgsafe.approve and pgsafe.revoke");
        c.execute(revoke_all_sql(c), "revoking the tracking schema's grants");
        c.execute(grant_run_sql(c, result.run_grantees) + grant_approve_sql(result.approve_grantees),
                  "granting the policy's roles their privileges");
        c.execute(store_environment_sql(request, result.checksum) +
                      event_sql("init", std::nullopt, std::nullopt, detail),
                  "storing the environment and its policy");
    });
    return result;
}

}  // namespace pgsafe::runner
