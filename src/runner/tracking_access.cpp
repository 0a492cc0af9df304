// The ownership model of the tracking schema, checked before it is used:
// the catalogs say who owns schema pgsafe and what the connected role may
// do there, so a role without grants hears the owner's name and the fix.

#include "tracking_access.hpp"

#include "tracking.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace pgsafe::runner {
namespace {

const char* const k_schema_query = R"(
SELECT current_user, pg_catalog.current_database(), pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'),
       pg_catalog.pg_get_userbyid(n.nspowner), pg_catalog.pg_has_role(current_user, n.nspowner, 'USAGE'),
       pg_catalog.has_schema_privilege(n.oid, 'USAGE')
  FROM (SELECT 1) one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = 'pgsafe')";

// What each use needs, table by table; a table an older schema lacks is skipped.
const char* const k_missing_query = R"(
SELECT pg_catalog.format('%s on pgsafe.%s', v.privilege, v.relname)
  FROM (VALUES (1, 'schema_version', 'SELECT', true), (2, 'migrations', 'SELECT', true),
               (3, 'steps', 'SELECT', true), (4, 'events', 'SELECT', false), (5, 'approvals', 'SELECT', false),
               (6, 'environment', 'SELECT', false), (7, 'migrations', 'INSERT', false),
               (8, 'migrations', 'UPDATE', false), (9, 'steps', 'INSERT', false), (10, 'steps', 'UPDATE', false),
               (11, 'steps', 'DELETE', false), (12, 'events', 'INSERT', false))
       AS v(o, relname, privilege, read)
  JOIN pg_catalog.pg_class c ON c.relname = v.relname
   AND c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pgsafe')
 WHERE (v.read OR {}) AND NOT pg_catalog.has_table_privilege(c.oid, v.privilege)
   -- pgsafe init grants INSERT on events' columns pgsafe writes, not on the table
   AND NOT (v.privilege <> 'DELETE' AND pg_catalog.has_any_column_privilege(c.oid, v.privilege))
 ORDER BY v.o)";

bool is_true(const std::optional<std::string>& value) {
    return value == std::optional<std::string>("t");
}

db::DatabaseError no_access(const std::string& message) {
    return db::database_error("using the tracking schema pgsafe", message, "42501");
}

}  // namespace

bool require_tracking_access(db::Connection& connection, TrackingUse use) {
    auto rows = connection.query(k_schema_query, "checking access to the tracking schema");
    const auto& row = rows.at(0);
    std::string me = row.at(0).value_or("");
    std::string database = row.at(1).value_or("");
    bool exists = row.at(3).has_value();
    if (!exists) {
        if (use == TrackingUse::Run && !is_true(row.at(2)))
            throw no_access(fmt::format(
                "role {} cannot create the tracking schema pgsafe (it has no CREATE on database {}): an "
                "administrator runs `pgsafe init --env ENVIRONMENT` once, as the role that is to own the "
                "schema, which creates it and grants the policy's run roles what migrate needs",
                me, database));
        return false;
    }
    std::string owner = *row.at(3);
    bool acts_as_owner = is_true(row.at(4));
    std::string fix = fmt::format(
        "schema pgsafe belongs to {}, the role that created it (on its first run, or with `pgsafe init`); "
        "{} runs `pgsafe init --env ENVIRONMENT` with {} in the policy's [access] {} to grant it",
        owner, owner, me, use == TrackingUse::Run ? "run" : "run or approve");
    if (!is_true(row.at(5)))
        throw no_access(fmt::format("role {} has no USAGE on schema pgsafe: {}", me, fix));
    std::vector<std::string> missing;
    for (const auto& r :
         connection.query(fmt::format(k_missing_query, use == TrackingUse::Run ? "true" : "false"),
                          "checking privileges on the tracking tables"))
        missing.push_back(r.at(0).value_or(""));
    if (!missing.empty())
        throw no_access(fmt::format("role {} lacks {}: {}", me, fmt::join(missing, ", "), fix));
    if (use != TrackingUse::Run || acts_as_owner) return true;
    int installed = installed_tracking_version(connection);
    if (installed < tracking_schema_version())
        throw no_access(fmt::format(
            "the tracking schema pgsafe is at version {} and this pgsafe needs version {}, which only its "
            "owner {} can install: {} runs `pgsafe init --env ENVIRONMENT` with this pgsafe",
            installed, tracking_schema_version(), owner, owner));
    return true;
}

}  // namespace pgsafe::runner
