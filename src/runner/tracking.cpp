// The tracking schema and the statements that keep it: one row per
// migration, one per step (with its definition, so a resumed run executes
// the steps that were planned, whatever the table sizes are now), and an
// append-only event log.

#include "tracking.hpp"

#include "resume_check.hpp"
#include "sql_text.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <initializer_list>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

// One script per tracking-schema version; never edit a released one, add the next.
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
    // stored (owner-writable only); approvals written only through pgsafe.approve and
    // pgsafe.revoke, which run as the schema's owner and record session_user. Until
    // init writes the approve roles into pgsafe.approve (approve_function_sql), nobody
    // can approve.
    R"(ALTER TABLE pgsafe.approvals ADD COLUMN revoked_at timestamptz, ADD COLUMN revoked_by text;
CREATE TABLE pgsafe.environment (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    name text NOT NULL,
    policy text NOT NULL,
    checksum text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    stored_by text NOT NULL DEFAULT session_user);
CREATE FUNCTION pgsafe.approve(p_version text, p_checksum text, p_reason text, p_valid_for interval)
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
$pgsafe$;
CREATE FUNCTION pgsafe.revoke(p_version text)
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
$pgsafe$;
REVOKE ALL ON FUNCTION pgsafe.approve(text, text, text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION pgsafe.revoke(text) FROM PUBLIC;)",
};
constexpr int k_current_version = static_cast<int>(sizeof k_upgrades / sizeof k_upgrades[0]);

constexpr const char* k_load_query = R"(SELECT coalesce(json_agg(json_build_object(
    'version', m.version, 'name', m.name, 'checksum', m.checksum, 'state', m.state,
    'applied_by', m.applied_by, 'started_at', to_char(m.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'),
    'finished_at', to_char(m.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'),
    'duration_ms', m.duration_ms, 'error', m.error,
    'steps', (SELECT coalesce(json_agg(json_build_object(
        'step', s.step, 'sql', s.sql, 'definition', s.definition, 'state', s.state,
        'attempts', s.attempts, 'lock_wait_ms', s.lock_wait_ms, 'batch_next', s.batch_next,
        'batch_last', to_jsonb(s) -> 'batch_last')
        ORDER BY s.step), '[]') FROM pgsafe.steps s WHERE s.version = m.version))
    ORDER BY m.started_at, m.version), '[]')::text
FROM pgsafe.migrations m)";

// Migration SQL is bytes; invalid UTF-8 must not stop the record being written.
std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A keyset batch as {"schema", "table", "key": [...], "types": [...]}; a
// step planned before keyset batches kept its {"table": "schema.table",
// "key": "id", "width": n} and runs as it was planned.
json batch_json(const plan::Batch& b) {
    if (b.legacy_range) return {{"table", b.schema + "." + b.table}, {"key", b.key.at(0)}, {"width", 10000}};
    return {{"schema", b.schema}, {"table", b.table}, {"key", b.key}, {"types", b.types}};
}

plan::Batch batch_from_json(const json& b) {
    plan::Batch batch;
    if (b.at("key").is_string()) {
        // The bigint ranges of pgsafe before keyset batches: "schema.table" was split at the first dot then.
        std::string table = b.at("table").get<std::string>();
        auto dot = table.find('.');
        batch.schema = dot == std::string::npos ? "public" : table.substr(0, dot);
        batch.table = dot == std::string::npos ? table : table.substr(dot + 1);
        batch.key = {b.at("key").get<std::string>()};
        batch.types = {"bigint"};
        batch.legacy_range = true;
        return batch;
    }
    batch.schema = b.at("schema").get<std::string>();
    batch.table = b.at("table").get<std::string>();
    batch.key = b.at("key").get<std::vector<std::string>>();
    batch.types = b.at("types").get<std::vector<std::string>>();
    return batch;
}

json definition(const StoredStep& s) {
    json j = {{"format", k_record_format},
              {"transactional", s.transactional},
              {"lock_mode", s.lock_mode == sql::LockMode::None ? "" : sql::lock_mode_name(s.lock_mode)},
              {"relations", s.relations},
              {"lock_timeout_ms", s.lock_timeout_ms},
              {"statement_timeout_ms", s.statement_timeout_ms ? json(*s.statement_timeout_ms) : json()},
              {"estimated_seconds", s.estimated_seconds ? json(*s.estimated_seconds) : json()},
              {"index", s.index ? json{{"schema", s.index->schema}, {"name", s.index->name}} : json()},
              {"line", s.line},
              {"rule", s.rule ? json(*s.rule) : json()},
              {"why", s.why}};
    j["batch"] = s.batch ? batch_json(*s.batch) : json();
    return j;
}

template <typename T>
std::optional<T> optional_of(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->get<T>();
}

// A record written by a newer pgsafe may mean something this one cannot run.
void require_known_format(const json& record, const std::string& what) {
    int format = record.value("format", 1);
    if (format > k_record_format)
        throw Error(ErrorKind::Usage,
                    fmt::format("{} was written in record format {}, newer than this pgsafe knows ({}): "
                                "upgrade pgsafe",
                                what, format, k_record_format));
}

sql::LockMode lock_mode_of(const std::string& name, const std::string& what) {
    if (name.empty()) return sql::LockMode::None;
    auto mode = sql::lock_mode_from_name(name);
    if (!mode) throw Error(ErrorKind::Usage, fmt::format("{}: unknown lock mode \"{}\"", what, name));
    return *mode;
}

template <typename State>
State state_of(const std::string& name, const char* (*state_name)(State), std::initializer_list<State> states,
               const std::string& what) {
    for (State s : states)
        if (name == state_name(s)) return s;
    throw Error(ErrorKind::Usage, fmt::format("{}: unknown state \"{}\"", what, name));
}

// A row someone edited by hand, or a bug: named, never an internal error.
[[noreturn]] void malformed(const std::string& what, const std::exception& e) {
    std::string reason = e.what();
    if (auto close = reason.find("] "); reason.rfind("[json.exception", 0) == 0 && close != std::string::npos)
        reason = reason.substr(close + 2);  // "key 'x' not found", without nlohmann's prefix
    throw Error(ErrorKind::Database,
                fmt::format("{} is malformed ({}): pgsafe cannot tell what it ran or has to run; restore the "
                            "row, or delete the migration's rows if none of it ran",
                            what, reason));
}

StoredStep step_from_json_unchecked(const std::string& version, const json& j);

StoredStep step_from_json(const std::string& version, const json& j) {
    try {
        return step_from_json_unchecked(version, j);
    } catch (const json::exception& e) {
        std::string step = j.contains("step") ? j["step"].dump() : "?";
        malformed(fmt::format("the row of pgsafe.steps for migration {}, step {},", version, step), e);
    }
}

StoredStep step_from_json_unchecked(const std::string& version, const json& j) {
    StoredStep s;
    s.number = j.at("step").get<int>();
    std::string what = fmt::format("pgsafe.steps (migration {}, step {})", version, s.number);
    s.sql = j.at("sql").get<std::string>();
    const json& d = j.at("definition");
    require_known_format(d, what);
    s.transactional = d.at("transactional").get<bool>();
    s.lock_mode = lock_mode_of(d.at("lock_mode").get<std::string>(), what);
    s.relations = d.at("relations").get<std::vector<std::string>>();
    s.lock_timeout_ms = d.at("lock_timeout_ms").get<int>();
    s.statement_timeout_ms = optional_of<int>(d, "statement_timeout_ms");
    s.estimated_seconds = optional_of<double>(d, "estimated_seconds");
    if (auto i = d.find("index"); i != d.end() && i->is_string()) {
        // Written before names were pairs: "schema.index", split at the first dot as it was then.
        std::string name = i->get<std::string>();
        auto dot = name.find('.');
        s.index = dot == std::string::npos ? sql::RelationName{"", name}
                                           : sql::RelationName{name.substr(0, dot), name.substr(dot + 1)};
    } else if (i != d.end() && i->is_object()) {
        s.index = sql::RelationName{i->at("schema").get<std::string>(), i->at("name").get<std::string>()};
    }
    s.line = d.value("line", 0);
    s.rule = optional_of<std::string>(d, "rule");
    s.why = d.value("why", "");
    if (auto b = d.find("batch"); b != d.end() && !b->is_null()) s.batch = batch_from_json(*b);
    s.state = state_of<StepState>(
        j.at("state").get<std::string>(), step_state_name,
        {StepState::Pending, StepState::Running, StepState::Applied, StepState::Failed}, what);
    s.attempts = j.at("attempts").get<int>();
    s.lock_wait_ms = j.at("lock_wait_ms").get<long long>();
    s.batch_next = optional_of<long long>(j, "batch_next");
    if (auto last = j.find("batch_last"); last != j.end() && !last->is_null())
        s.batch_last = last->at("values").get<std::vector<std::string>>();
    return s;
}

TrackedMigration migration_from_json_unchecked(const json& j);

TrackedMigration migration_from_json(const json& j) {
    try {
        return migration_from_json_unchecked(j);
    } catch (const json::exception& e) {
        std::string version = j.contains("version") ? j["version"].dump() : "?";
        malformed(fmt::format("the row of pgsafe.migrations for version {}", version), e);
    }
}

TrackedMigration migration_from_json_unchecked(const json& j) {
    TrackedMigration m;
    m.version = j.at("version").get<std::string>();
    m.name = j.at("name").get<std::string>();
    m.checksum = j.at("checksum").get<std::string>();
    // Adopted from another tool: applied, as far as running goes.
    m.adopted = j.at("state").get<std::string>() == "adopted";
    m.state = m.adopted ? TrackedState::Applied
                        : state_of<TrackedState>(
                              j.at("state").get<std::string>(), tracked_state_name,
                              {TrackedState::Running, TrackedState::Applied, TrackedState::Failed},
                              fmt::format("pgsafe.migrations (migration {})", m.version));
    m.applied_by = j.at("applied_by").get<std::string>();
    m.started_at = j.at("started_at").get<std::string>();
    m.finished_at = optional_of<std::string>(j, "finished_at");
    m.duration_ms = optional_of<long long>(j, "duration_ms");
    if (auto e = j.find("error"); e != j.end() && !e->is_null()) m.error = *e;
    for (const auto& s : j.at("steps")) m.steps.push_back(step_from_json(m.version, s));
    return m;
}

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
who(oid, name) AS (SELECT oid, rolname::text FROM pg_catalog.pg_roles UNION ALL SELECT 0, 'PUBLIC')
SELECT problem FROM (
  SELECT 1 AS o, format('schema pgsafe is owned by %s, which is not %s, a role %s belongs to, a superuser, '
                        'the database''s owner, or a role that administers %s',
                        pg_catalog.pg_get_userbyid(s.nspowner), current_user, current_user, current_user) AS problem
    FROM s WHERE s.nspowner NOT IN (SELECT r FROM mine)
     AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE oid = s.nspowner)
     -- pgsafe init's owner: the database's owner, or a role that can make itself a member of
     -- the run role anyway (ADMIN OPTION on it)
     AND s.nspowner <> (SELECT datdba FROM pg_catalog.pg_database WHERE datname = current_database())
     AND NOT EXISTS (SELECT FROM pg_catalog.pg_auth_members am
                     WHERE am.roleid = (SELECT oid FROM me) AND am.member = s.nspowner AND am.admin_option)
  UNION ALL
  SELECT 2, 'schema pgsafe was not created by pgsafe: it has no table pgsafe.schema_version'
    FROM s WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                             WHERE c.relnamespace = s.oid AND c.relname = 'schema_version')
  UNION ALL
  SELECT 3, format('trigger %I on %s (pgsafe creates none)', t.tgname, t.tgrelid::regclass)
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN s ON c.relnamespace = s.oid
   WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 4, format('rule %I on %s (pgsafe creates none)', r.rulename, r.ev_class::regclass)
    FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN s ON c.relnamespace = s.oid
   WHERE r.rulename <> '_RETURN'
  UNION ALL
  SELECT 5, format('function %s, owned by %s (pgsafe creates none)', p.oid::regprocedure,
                   pg_catalog.pg_get_userbyid(p.proowner))
    FROM pg_catalog.pg_proc p JOIN s ON p.pronamespace = s.oid
   -- except the two pgsafe creates for approvers, as its owner made them
   WHERE NOT (p.proowner = s.nspowner AND p.prosecdef
              AND (coalesce(p.oid = pg_catalog.to_regprocedure('pgsafe.approve(text,text,text,interval)'), false)
                   OR coalesce(p.oid = pg_catalog.to_regprocedure('pgsafe.revoke(text)'), false)))
  UNION ALL
  SELECT 6, format('%s is owned by %s, not by the schema''s owner %s', c.oid::regclass,
                   pg_catalog.pg_get_userbyid(c.relowner), pg_catalog.pg_get_userbyid(s.nspowner))
    FROM pg_catalog.pg_class c JOIN s ON c.relnamespace = s.oid WHERE c.relowner <> s.nspowner
  UNION ALL
  SELECT 7, format('%s grants %s to %s', c.oid::regclass, a.privilege_type, w.name)
    FROM pg_catalog.pg_class c JOIN s ON c.relnamespace = s.oid,
         LATERAL pg_catalog.aclexplode(c.relacl) a JOIN who w ON w.oid = a.grantee
   WHERE a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER')
     AND a.grantee <> c.relowner AND a.grantee NOT IN (SELECT oid FROM me)
     -- the run roles' grants pgsafe init makes: the owner's own choice of who runs
     AND NOT (a.grantor = c.relowner AND c.relname NOT IN ('approvals', 'environment', 'schema_version')
              AND (a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE') AND c.relname <> 'events'
                   OR a.privilege_type = 'INSERT'))
  UNION ALL
  SELECT 8, format('schema pgsafe grants CREATE to %s', w.name)
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
    auto exists = connection.query("SELECT to_regclass('pgsafe.schema_version') IS NOT NULL",
                                   "looking for the tracking schema");
    if (exists.at(0).at(0) != std::optional<std::string>("t")) return 0;
    auto rows = connection.query("SELECT coalesce(max(version), 0) FROM pgsafe.schema_version",
                                 "reading the tracking schema version");
    return std::stoi(rows.at(0).at(0).value_or("0"));
}

const char* step_state_name(StepState state) {
    switch (state) {
        case StepState::Pending: return "pending";
        case StepState::Running: return "running";
        case StepState::Applied: return "applied";
        case StepState::Failed: return "failed";
    }
    return "pending";
}

const char* tracked_state_name(TrackedState state) {
    switch (state) {
        case TrackedState::Running: return "running";
        case TrackedState::Applied: return "applied";
        case TrackedState::Failed: return "failed";
    }
    return "running";
}

const TrackedMigration* Tracking::find(const std::string& version) const {
    for (const auto& m : migrations)
        if (!source::version_less(m.version, version) && !source::version_less(version, m.version)) return &m;
    return nullptr;
}

std::string approve_function_sql(const std::vector<std::string>& roles) {
    const std::string k_marker = "v_roles jsonb := NULL;";
    for (int v = k_current_version; v >= 1; --v) {
        std::string script = k_upgrades[v - 1];
        auto begin = script.find("CREATE FUNCTION pgsafe.approve(");
        if (begin == std::string::npos) begin = script.find("CREATE OR REPLACE FUNCTION pgsafe.approve(");
        if (begin == std::string::npos) continue;
        auto body = script.find("$pgsafe$", begin);
        auto end = script.find("$pgsafe$;", body + 1);
        std::string sql = script.substr(begin, end + 9 - begin);
        if (sql.rfind("CREATE FUNCTION", 0) == 0) sql.replace(0, 15, "CREATE OR REPLACE FUNCTION");
        std::string list = dump(json(roles));
        if (list.find("$pgsafe$") != std::string::npos)
            throw Error(ErrorKind::Usage, fmt::format("a role name cannot hold \"$pgsafe$\": {}", list));
        sql.replace(sql.find(k_marker), k_marker.size(), fmt::format("v_roles jsonb := {};", literal(list)));
        return sql;
    }
    throw Error(ErrorKind::Usage, "this pgsafe defines no pgsafe.approve");
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

void ensure_tracking_schema(Executor& work, int installed) {
    require_known(installed);
    // Each upgrade in a transaction of its own, all in one round trip: the
    // server stops at the first error, and the ones before it stay committed.
    std::string sql;
    for (const auto& script : tracking_upgrades(installed)) sql += "BEGIN;\n" + script + "\nCOMMIT;\n";
    if (sql.empty()) return;
    try {
        work.execute(sql, "creating the tracking schema \"pgsafe\"");
    } catch (...) {
        try {
            work.execute("ROLLBACK", "creating the tracking schema");
        } catch (...) {
        }
        throw;
    }
}

StoredStep stored_step(const plan::Step& step, int number, const sql::LineIndex& lines) {
    StoredStep s;
    s.number = number;
    s.sql = step.sql;
    s.transactional = step.transactional;
    s.lock_mode = step.lock.mode;
    s.relations = step.lock.relations;
    s.lock_timeout_ms = step.lock_timeout_ms;
    s.statement_timeout_ms = step.statement_timeout_ms;
    s.estimated_seconds = step.estimated_seconds;
    s.index = step.index;
    s.batch = step.batch;
    s.line = static_cast<int>(lines.position(step.source.begin).line);
    s.rule = step.rule;
    s.why = step.why;
    return s;
}

std::string plan_record(const plan::MigrationPlan& plan, const std::vector<StoredStep>& steps,
                        const json& planned_with) {
    sql::LineIndex lines(plan.text);
    json findings = json::array();
    for (const auto& f : plan.findings) {
        auto at = lines.position(f.span.begin);
        findings.push_back({{"rule", f.rule},
                            {"severity", rules::severity_name(f.severity)},
                            {"line", at.line},
                            {"column", at.column},
                            {"message", f.message}});
    }
    json stored = json::array();
    for (const auto& s : steps) {
        json step = definition(s);
        step.erase("format");
        step["step"] = s.number;
        step["sql"] = s.sql;
        step["digest"] = step_digest(s);
        stored.push_back(std::move(step));
    }
    json record = {{"format", k_record_format}, {"version", plan.version},
                   {"name", plan.name},         {"path", plan.path},
                   {"checksum", plan.checksum}, {"risk", plan::risk_name(plan.risk)},
                   {"findings", findings},      {"steps", stored}};
    if (!planned_with.is_null()) record["planned_with"] = planned_with;
    return dump(record);
}

const std::string k_own_settings_sql =
    "SET LOCAL SESSION AUTHORIZATION DEFAULT; SET LOCAL ROLE NONE; SET LOCAL standard_conforming_strings = "
    "on; SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0;";

std::string own_transaction_sql(const std::string& sql) {
    return "BEGIN READ WRITE; " + k_own_settings_sql + "\n" + sql + "\nCOMMIT;";
}

std::string begin_migration_sql(const plan::MigrationPlan& plan, const std::string& plan_record) {
    return fmt::format(
        "INSERT INTO pgsafe.migrations (version, name, checksum, state, tool_version, plan) "
        "VALUES ({}, {}, {}, 'running', {}, {}::jsonb);",
        literal(plan.version), literal(plan.name), literal(plan.checksum), literal(PGSAFE_VERSION),
        literal(plan_record));
}

std::string insert_steps_sql(const std::string& version, const std::vector<StoredStep>& steps) {
    std::string out;
    for (const auto& s : steps)
        out += fmt::format(
            "INSERT INTO pgsafe.steps (version, step, sql, definition, state) VALUES ({}, {}, {}, {}::jsonb, "
            "'pending');\n",
            literal(version), s.number, literal(s.sql), literal(dump(definition(s))));
    if (!out.empty()) out.pop_back();
    return out;
}

std::string resume_migration_sql(const std::string& version) {
    return fmt::format(
        "UPDATE pgsafe.migrations SET state = 'running', applied_by = session_user, error = NULL, "
        "finished_at = NULL WHERE version = {};",
        literal(version));
}

std::string replace_unfinished_steps_sql(const plan::MigrationPlan& plan, const std::string& plan_record,
                                         const std::vector<StoredStep>& new_steps) {
    int first = new_steps.empty() ? 1 : new_steps.front().number;
    return fmt::format(
               "UPDATE pgsafe.migrations SET checksum = {}, name = {}, plan = {}::jsonb, tool_version = {} "
               "WHERE version = {};\nDELETE FROM pgsafe.steps WHERE version = {} AND step >= {};\n",
               literal(plan.checksum), literal(plan.name), literal(plan_record), literal(PGSAFE_VERSION),
               literal(plan.version), literal(plan.version), first) +
           insert_steps_sql(plan.version, new_steps);
}

std::string step_started_sql(const std::string& version, int step) {
    return fmt::format(
        "UPDATE pgsafe.steps SET state = 'running', attempts = attempts + 1, error = NULL, "
        "started_at = coalesce(started_at, now()) WHERE version = {} AND step = {};",
        literal(version), step);
}

std::string step_applied_sql(const std::string& version, int step, long long lock_wait_ms) {
    return fmt::format(
        "UPDATE pgsafe.steps SET state = 'applied', lock_wait_ms = {}, finished_at = clock_timestamp() "
        "WHERE version = {} AND step = {};",
        lock_wait_ms, literal(version), step);
}

std::string step_done_sql(const std::string& version, int step, long long lock_wait_ms) {
    return fmt::format(
        "UPDATE pgsafe.steps SET state = 'applied', attempts = attempts + 1, error = NULL, "
        "started_at = coalesce(started_at, now()), lock_wait_ms = {}, finished_at = clock_timestamp() "
        "WHERE version = {} AND step = {};",
        lock_wait_ms, literal(version), step);
}

std::string step_failed_sql(const std::string& version, int step, long long lock_wait_ms,
                            const std::string& error) {
    return fmt::format(
        // A step in a transaction records its start with its commit, so its failed
        // attempt was rolled back to 'pending' and counts here.
        "UPDATE pgsafe.steps SET state = 'failed', lock_wait_ms = {}, error = {}, finished_at = "
        "clock_timestamp(), attempts = attempts + CASE WHEN state = 'running' THEN 0 ELSE 1 END, "
        "started_at = coalesce(started_at, clock_timestamp()) "
        "WHERE version = {} AND step = {};",
        lock_wait_ms, literal(error), literal(version), step);
}

std::string batch_done_sql(const std::string& version, int step, long long next_key) {
    return fmt::format("UPDATE pgsafe.steps SET batch_next = {} WHERE version = {} AND step = {};", next_key,
                       literal(version), step);
}

std::string batch_done_sql(const std::string& version, int step, const plan::Batch& batch,
                           const std::vector<std::string>& last_key) {
    json last = {{"columns", batch.key}, {"types", batch.types}, {"values", last_key}};
    return fmt::format("UPDATE pgsafe.steps SET batch_last = {}::jsonb WHERE version = {} AND step = {};",
                       literal(dump(last)), literal(version), step);
}

std::string migration_applied_sql(const std::string& version) {
    return fmt::format(
        "UPDATE pgsafe.migrations SET state = 'applied', finished_at = clock_timestamp(), "
        "duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint, error = NULL "
        "WHERE version = {};",
        literal(version));
}

std::string migration_failed_sql(const std::string& version, const json& error) {
    return fmt::format(
        "UPDATE pgsafe.migrations SET state = 'failed', finished_at = clock_timestamp(), "
        "duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint, error = "
        "{}::jsonb "
        "WHERE version = {};",
        literal(dump(error)), literal(version));
}

std::string event_sql(const std::string& kind, const std::optional<std::string>& version,
                      std::optional<int> step, const json& detail) {
    return fmt::format(
        "INSERT INTO pgsafe.events (kind, version, step, detail) VALUES ({}, {}, {}, {}::jsonb);",
        literal(kind), literal_or_null(version), step ? std::to_string(*step) : "NULL",
        literal(dump(detail)));
}

std::string refusal_event_sql(const Refusal& refusal) {
    return event_sql("refused", refusal.version, std::nullopt,
                     {{"code", refusal.code}, {"reason", refusal.text()}, {"unlock", refusal.unlock}});
}

}  // namespace pgsafe::runner
