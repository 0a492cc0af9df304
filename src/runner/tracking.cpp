// The tracking schema: one row per migration, one per step (with its
// definition, so a resumed run executes the steps that were planned,
// whatever the table sizes are now), and an append-only event log; created
// and upgraded under the runner lock, checked before it is trusted, and
// read back. The records it holds are tracking_records.cpp's.

#include "tracking.hpp"

#include "sql_text.hpp"
#include "tracking_records.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/source/migration.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

// One script per tracking-schema version; never change what a released one makes of
// the tables, add the next.
const char* const k_upgrades[] = {
    // 1: migrations, steps, approvals, events
    R"(CREATE SCHEMA IF NOT EXISTS pgsafe;
CREATE TABLE pgsafe.schema_version (
    version integer PRIMARY KEY,
    installed_at timestamptz NOT NULL DEFAULT now(),
    installed_by text NOT NULL DEFAULT session_user);
CREATE TABLE pgsafe.migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    state text NOT NULL CHECK (state IN ('running', 'applied', 'failed')),
    applied_by text NOT NULL DEFAULT session_user,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    duration_ms bigint,
    tool_version text NOT NULL,
    plan jsonb NOT NULL,
    error jsonb);
CREATE TABLE pgsafe.steps (
    version text NOT NULL REFERENCES pgsafe.migrations ON DELETE CASCADE,
    step integer NOT NULL,
    sql text NOT NULL,
    definition jsonb NOT NULL,
    state text NOT NULL CHECK (state IN ('pending', 'running', 'applied', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    lock_wait_ms bigint NOT NULL DEFAULT 0,
    batch_next bigint,
    started_at timestamptz,
    finished_at timestamptz,
    error text,
    PRIMARY KEY (version, step));
CREATE TABLE pgsafe.approvals (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version text NOT NULL,
    checksum text NOT NULL,
    approver text NOT NULL DEFAULT session_user,
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz);
CREATE TABLE pgsafe.events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    role text NOT NULL DEFAULT session_user,
    kind text NOT NULL,
    version text,
    step integer,
    detail jsonb NOT NULL DEFAULT '{}');)",
    // adopt: migrations taken over from another tool (`pgsafe adopt`, `pgsafe baseline`)
    // are 'adopted', with who adopted them, when, and the old tool's row; each
    // adoption keeps the old tool's rows as they were, for coexistence.
    R"(ALTER TABLE pgsafe.migrations DROP CONSTRAINT migrations_state_check;
ALTER TABLE pgsafe.migrations ADD CONSTRAINT migrations_state_check
    CHECK (state IN ('running', 'applied', 'failed', 'adopted'));
ALTER TABLE pgsafe.migrations ADD COLUMN adopted_by text, ADD COLUMN adopted_at timestamptz,
    ADD COLUMN adopted_from jsonb;
CREATE TABLE pgsafe.adoptions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tool text NOT NULL,
    history_table text,
    lock_key bigint,
    baseline text,
    adopted_by text NOT NULL DEFAULT session_user,
    adopted_at timestamptz NOT NULL DEFAULT now(),
    rows jsonb NOT NULL DEFAULT '[]');)",
    // keyset batches: the last key done, as text with its columns and types
    // ({"columns": [...], "types": [...], "values": [...]}); batch_next stays for
    // steps planned before, which walk bigint ranges.
    R"(ALTER TABLE pgsafe.steps ADD COLUMN batch_last jsonb;)",
    // policies (issue 14): revocable approvals; the environment and policy `pgsafe init`
    // stored (owner-writable only). Approvals are written only through pgsafe.approve
    // and pgsafe.revoke, which pgsafe init creates (approver_functions_sql). This
    // script created them too in earlier pgsafe builds, so a database at version 4 may or may
    // not have them before init: both are valid, and nobody can approve before init
    // either way. (Creating them on every first run loaded PL/pgSQL into the run's
    // session, about 5 ms of a new database's first migrate.)
    R"(ALTER TABLE pgsafe.approvals ADD COLUMN revoked_at timestamptz, ADD COLUMN revoked_by text;
CREATE TABLE pgsafe.environment (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    name text NOT NULL,
    policy text NOT NULL,
    checksum text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    stored_by text NOT NULL DEFAULT session_user);)",
};
constexpr int k_current_version = static_cast<int>(sizeof k_upgrades / sizeof k_upgrades[0]);

// pgsafe.approve and pgsafe.revoke run as the schema's owner and record
// session_user; approve reads the approve roles from its own source, which
// approver_functions_sql writes in place of NULL.
const char* const k_approve_function =
    R"(CREATE OR REPLACE FUNCTION pgsafe.approve(p_version text, p_checksum text, p_reason text, p_valid_for interval)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgsafe$
DECLARE
    v_roles jsonb := NULL;  -- the [access] approve roles: pgsafe init writes them here
    v_environment text;
    v_expires timestamptz;
    v_id bigint;
BEGIN
    SELECT name INTO v_environment FROM pgsafe.environment;
    IF v_environment IS NULL OR coalesce(jsonb_array_length(v_roles), 0) = 0 THEN
        RAISE EXCEPTION 'this database has no approvers: pgsafe init has not stored a policy with [access] approve roles'
            USING ERRCODE = '55000',
                  HINT = 'the owner of schema pgsafe runs pgsafe init --env NAME with a policy that names the approve roles';
    END IF;
    IF NOT EXISTS (SELECT FROM jsonb_array_elements_text(v_roles) AS r(name)
                   JOIN pg_roles ON pg_roles.rolname = r.name
                   WHERE pg_has_role(session_user, pg_roles.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'role % may not approve in environment %: it is not a member of %', session_user,
                        v_environment, (SELECT string_agg(r, ', ') FROM jsonb_array_elements_text(v_roles) AS r)
            USING ERRCODE = '42501';
    END IF;
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'an approval needs a reason' USING ERRCODE = '22023';
    END IF;
    IF p_version IS NULL OR p_version = '' THEN
        RAISE EXCEPTION 'an approval needs the migration''s version' USING ERRCODE = '22023';
    END IF;
    IF p_checksum IS NULL OR p_checksum !~ '^sha256:[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'an approval needs the file''s checksum (sha256:<64 hex digits>), not %', p_checksum
            USING ERRCODE = '22023';
    END IF;
    IF p_valid_for IS NOT NULL AND p_valid_for <= interval '0' THEN
        RAISE EXCEPTION 'an approval must be valid for a positive time, not %', p_valid_for USING ERRCODE = '22023';
    END IF;
    v_expires := now() + p_valid_for;
    INSERT INTO pgsafe.approvals (version, checksum, approver, reason, expires_at)
        VALUES (p_version, p_checksum, session_user, p_reason, v_expires) RETURNING id INTO v_id;
    INSERT INTO pgsafe.events (role, kind, version, detail)
        VALUES (session_user, 'approved', p_version,
                jsonb_build_object('id', v_id, 'checksum', p_checksum, 'reason', p_reason,
                                   'expires_at', v_expires, 'environment', v_environment));
    RETURN v_id;
END
$pgsafe$;)";
const char* const k_revoke_function = R"(CREATE OR REPLACE FUNCTION pgsafe.revoke(p_version text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgsafe$
DECLARE
    v_ids bigint[];
BEGIN
    WITH revoked AS (
        UPDATE pgsafe.approvals SET revoked_at = now(), revoked_by = session_user
         WHERE version = p_version AND approver = session_user AND revoked_at IS NULL
           AND (expires_at IS NULL OR expires_at > now())
        RETURNING id)
    SELECT array_agg(id ORDER BY id) INTO v_ids FROM revoked;
    IF v_ids IS NOT NULL THEN
        INSERT INTO pgsafe.events (role, kind, version, detail)
            VALUES (session_user, 'revoked', p_version, jsonb_build_object('ids', to_jsonb(v_ids)));
    END IF;
    RETURN coalesce(cardinality(v_ids), 0);
END
$pgsafe$;)";

constexpr const char* k_load_query = R"(SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
    'version', m.version, 'name', m.name, 'checksum', m.checksum, 'state', m.state,
    'applied_by', m.applied_by, 'started_at', pg_catalog.to_char(m.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'),
    'finished_at', pg_catalog.to_char(m.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'),
    'duration_ms', m.duration_ms, 'error', m.error,
    'steps', (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
        'step', s.step, 'sql', s.sql, 'definition', s.definition, 'state', s.state,
        'attempts', s.attempts, 'lock_wait_ms', s.lock_wait_ms, 'batch_next', s.batch_next,
        'batch_last', pg_catalog.to_jsonb(s) -> 'batch_last'::pg_catalog.text)
        ORDER BY s.step), '[]') FROM pgsafe.steps s WHERE s.version = m.version))
    ORDER BY m.started_at, m.version), '[]')::pg_catalog.text
FROM pgsafe.migrations m)";

void require_known(int version) {
    if (version > k_current_version)
        throw Error(ErrorKind::Usage,
                    fmt::format("the tracking schema \"pgsafe\" is at version {}, newer than this pgsafe "
                                "knows ({}): upgrade pgsafe",
                                version, k_current_version));
}

}  // namespace

namespace {

const std::string k_trust_query = R"(
WITH s AS (SELECT oid, nspowner, nspacl FROM pg_catalog.pg_namespace WHERE nspname = 'pgsafe'),
me AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user),
mine AS (WITH RECURSIVE m(r) AS (SELECT oid FROM me UNION
         SELECT am.roleid FROM pg_catalog.pg_auth_members am JOIN m ON am.member = m.r) SELECT r FROM m),
who(oid, name) AS (SELECT oid, rolname::pg_catalog.text FROM pg_catalog.pg_roles UNION ALL SELECT 0, 'PUBLIC')
SELECT problem FROM (
  SELECT 1 AS o, pg_catalog.format('schema pgsafe is owned by %s, which is not %s, a role %s belongs to, a superuser, '
                        'the database''s owner, or a role that administers %s',
                        pg_catalog.pg_get_userbyid(s.nspowner), current_user, current_user, current_user) AS problem
    FROM s WHERE s.nspowner NOT IN (SELECT r FROM mine)
     AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE oid = s.nspowner)
     -- pgsafe init's owner: the database's owner, or a role that can make itself a member of
     -- the run role anyway (ADMIN OPTION on it)
     AND s.nspowner <> (SELECT datdba FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
     AND NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members am
                     WHERE am.roleid = (SELECT oid FROM me) AND am.member = s.nspowner AND am.admin_option)
  UNION ALL
  SELECT 2, 'schema pgsafe was not created by pgsafe: it has no table pgsafe.schema_version'
    FROM s WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                             WHERE c.relnamespace = s.oid AND c.relname = 'schema_version')
  UNION ALL
  SELECT 3, pg_catalog.format('trigger %I on %s (pgsafe creates none)', t.tgname, t.tgrelid::pg_catalog.regclass)
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN s ON c.relnamespace = s.oid
   WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 4, pg_catalog.format('rule %I on %s (pgsafe creates none)', r.rulename, r.ev_class::pg_catalog.regclass)
    FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN s ON c.relnamespace = s.oid
   WHERE r.rulename <> '_RETURN'
  UNION ALL
  SELECT 5, pg_catalog.format('function %s, owned by %s (pgsafe creates none)', p.oid::pg_catalog.regprocedure,
                   pg_catalog.pg_get_userbyid(p.proowner))
    FROM pg_catalog.pg_proc p JOIN s ON p.pronamespace = s.oid
   -- except the two pgsafe creates for approvers, as its owner made them
   WHERE NOT (p.proowner = s.nspowner AND p.prosecdef
              AND (coalesce(p.oid = pg_catalog.to_regprocedure('pgsafe.approve(text,text,text,interval)')::pg_catalog.oid, false)
                   OR coalesce(p.oid = pg_catalog.to_regprocedure('pgsafe.revoke(text)')::pg_catalog.oid, false)))
  UNION ALL
  SELECT 6, pg_catalog.format('%s is owned by %s, not by the schema''s owner %s', c.oid::pg_catalog.regclass,
                   pg_catalog.pg_get_userbyid(c.relowner), pg_catalog.pg_get_userbyid(s.nspowner))
    FROM pg_catalog.pg_class c JOIN s ON c.relnamespace = s.oid WHERE c.relowner <> s.nspowner
  UNION ALL
  SELECT 7, pg_catalog.format('%s grants %s to %s', c.oid::pg_catalog.regclass, a.privilege_type, w.name)
    FROM pg_catalog.pg_class c JOIN s ON c.relnamespace = s.oid,
         LATERAL pg_catalog.aclexplode(c.relacl) a JOIN who w ON w.oid = a.grantee
   WHERE a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER')
     AND a.grantee <> c.relowner AND a.grantee NOT IN (SELECT oid FROM me)
     -- the run roles' grants pgsafe init makes: the owner's own choice of who runs
     AND NOT (a.grantor = c.relowner AND c.relname NOT IN ('approvals', 'environment', 'schema_version')
              AND (a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE') AND c.relname <> 'events'
                   OR a.privilege_type = 'INSERT'))
  UNION ALL
  SELECT 8, pg_catalog.format('schema pgsafe grants CREATE to %s', w.name)
    FROM s, LATERAL pg_catalog.aclexplode(s.nspacl) a JOIN who w ON w.oid = a.grantee
   WHERE a.privilege_type = 'CREATE' AND a.grantee <> s.nspowner AND a.grantee NOT IN (SELECT oid FROM me)
) found ORDER BY o, problem
)";

}  // namespace

std::vector<std::string> tracking_schema_problems(db::Connection& connection) {
    std::vector<std::string> out;
    for (const auto& row : connection.query(k_trust_query, "checking the tracking schema can be trusted"))
        out.push_back(row.at(0).value_or(""));
    return out;
}

int installed_tracking_version(db::Connection& connection) {
    auto exists = connection.query("SELECT pg_catalog.to_regclass('pgsafe.schema_version') IS NOT NULL",
                                   "looking for the tracking schema");
    if (exists.at(0).at(0) != std::optional<std::string>("t")) return 0;
    auto rows = connection.query("SELECT coalesce(pg_catalog.max(version), 0) FROM pgsafe.schema_version",
                                 "reading the tracking schema version");
    return std::stoi(rows.at(0).at(0).value_or("0"));
}

const TrackedMigration* Tracking::find(const std::string& version) const {
    for (const auto& m : migrations)
        if (!source::version_less(m.version, version) && !source::version_less(version, m.version)) return &m;
    return nullptr;
}

std::string approver_functions_sql(const std::vector<std::string>& roles) {
    const std::string k_marker = "v_roles jsonb := NULL;";
    std::string list = dump(json(roles));
    if (list.find("$pgsafe$") != std::string::npos)
        throw Error(ErrorKind::Usage, fmt::format("a role name cannot hold \"$pgsafe$\": {}", list));
    std::string approve = k_approve_function;
    approve.replace(approve.find(k_marker), k_marker.size(),
                    fmt::format("v_roles jsonb := {};", literal(list)));
    return approve + "\n" + k_revoke_function +
           "\nREVOKE ALL ON FUNCTION pgsafe.approve(text, text, text, interval) FROM PUBLIC;\n"
           "REVOKE ALL ON FUNCTION pgsafe.revoke(text) FROM PUBLIC;\n";
}

bool names_tracking_schema(const std::string& text, const std::vector<std::string>& step_sql) {
    auto names = [](const std::string& t) {
        return plan::any_word(t, [](std::string_view w) { return w == k_tracking_schema; });
    };
    return names(text) || std::any_of(step_sql.begin(), step_sql.end(), names);
}

int tracking_schema_version() {
    return k_current_version;
}

std::vector<std::string> tracking_upgrades(int from) {
    std::vector<std::string> out;
    for (int v = from + 1; v <= k_current_version; ++v)
        out.push_back(fmt::format("{}\nINSERT INTO pgsafe.schema_version (version) VALUES ({});",
                                  k_upgrades[v - 1], v));
    return out;
}

Tracking load_tracking(db::Connection& connection) {
    return load_tracking(connection, installed_tracking_version(connection));
}

Tracking load_tracking(db::Connection& connection, int version) {
    Tracking t;
    t.schema_version = version;
    require_known(t.schema_version);
    t.exists = t.schema_version > 0;
    if (!t.exists) return t;
    auto rows = connection.query(k_load_query, "reading the tracking tables");
    for (const auto& m : json::parse(rows.at(0).at(0).value_or("[]")))
        t.migrations.push_back(migration_from_json(m));
    return t;
}

Tracking made_tracking() {
    Tracking t;
    t.exists = true;
    t.schema_version = k_current_version;
    return t;
}

Executor::Rows ensure_tracking_schema(Executor& work, int installed, const std::string& lock_check,
                                      const std::string& then_read) {
    require_known(installed);
    std::vector<std::string> scripts = tracking_upgrades(installed);
    const std::string doing = "creating the tracking schema \"pgsafe\"";
    if (scripts.empty()) return then_read.empty() ? Executor::Rows{} : work.query(then_read, doing);
    // All in one round trip: the server stops at the first error. A new
    // schema in one transaction; each upgrade of one that was there in a
    // transaction of its own, so the ones before the error stay committed.
    // The scripts' defaults and casts resolve through pg_catalog alone, whatever
    // the work session's search_path (session.hpp): a now() of another schema
    // would otherwise run on every insert into the tracking tables.
    const std::string begin = "BEGIN;\n" + lock_check + "\nSET LOCAL search_path = pg_catalog, pg_temp;\n";
    std::string sql;
    if (installed == 0) {
        sql = begin;
        for (const auto& script : scripts) sql += script + "\n";
        sql += "COMMIT;\n";
    } else {
        for (const auto& script : scripts) sql += begin + script + "\nCOMMIT;\n";
    }
    try {
        if (then_read.empty()) {
            work.execute(sql, doing);
            return {};
        }
        return work.query(sql + then_read, doing);
    } catch (...) {
        try {
            work.execute("ROLLBACK", "creating the tracking schema");
        } catch (...) {
        }
        throw;
    }
}

}  // namespace pgsafe::runner
