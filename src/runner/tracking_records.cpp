// The records the tracking tables hold: a plan step as the runner keeps it,
// its definition and the plan as JSON (written, and read back so that a
// resumed run executes the steps that were planned), and the SQL that
// writes each record as a run goes (tracking.cpp creates the tables).

#include "tracking_records.hpp"

#include "resume_check.hpp"
#include "sql_text.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <initializer_list>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

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
    if (auto last = j.find("batch_last"); last != j.end() && !last->is_null()) {
        if (auto ranges = last->find("ranges"); ranges != last->end()) {
            for (const auto& r : *ranges)
                s.batch_ranges.push_back({optional_of<std::vector<std::string>>(r, "until"),
                                          optional_of<std::vector<std::string>>(r, "last")});
        } else {
            s.batch_last = last->at("values").get<std::vector<std::string>>();
        }
    }
    return s;
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

}  // namespace

// Migration SQL is bytes; invalid UTF-8 must not stop the record being written.
std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TrackedMigration migration_from_json(const json& j) {
    try {
        return migration_from_json_unchecked(j);
    } catch (const json::exception& e) {
        std::string version = j.contains("version") ? j["version"].dump() : "?";
        malformed(fmt::format("the row of pgsafe.migrations for version {}", version), e);
    }
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
        "VALUES ({}, {}, {}, 'running', {}, {}::pg_catalog.jsonb);",
        literal(plan.version), literal(plan.name), literal(plan.checksum), literal(PGSAFE_VERSION),
        literal(plan_record));
}

// One statement for all the steps: a schema dump of 800 statements is one
// INSERT to parse and plan, not 800.
std::string insert_steps_sql(const std::string& version, const std::vector<StoredStep>& steps) {
    if (steps.empty()) return "";
    std::string out = "INSERT INTO pgsafe.steps (version, step, sql, definition, state) VALUES";
    const char* separator = "\n";
    for (const auto& s : steps) {
        out += fmt::format("{}({}, {}, {}, {}::pg_catalog.jsonb, 'pending')", separator, literal(version),
                           s.number, literal(s.sql), literal(dump(definition(s))));
        separator = ",\n";
    }
    return out + ";";
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
               "UPDATE pgsafe.migrations SET checksum = {}, name = {}, plan = {}::pg_catalog.jsonb, "
               "tool_version = {} "
               "WHERE version = {};\nDELETE FROM pgsafe.steps WHERE version = {} AND step >= {};\n",
               literal(plan.checksum), literal(plan.name), literal(plan_record), literal(PGSAFE_VERSION),
               literal(plan.version), literal(plan.version), first) +
           insert_steps_sql(plan.version, new_steps);
}

std::string step_started_sql(const std::string& version, int step) {
    return fmt::format(
        "UPDATE pgsafe.steps SET state = 'running', attempts = attempts + 1, error = NULL, "
        "started_at = coalesce(started_at, pg_catalog.now()) WHERE version = {} AND step = {};",
        literal(version), step);
}

std::string step_applied_sql(const std::string& version, int step, long long lock_wait_ms) {
    return fmt::format(
        "UPDATE pgsafe.steps SET state = 'applied', lock_wait_ms = {}, finished_at = "
        "pg_catalog.clock_timestamp() "
        "WHERE version = {} AND step = {};",
        lock_wait_ms, literal(version), step);
}

std::string step_done_sql(const std::string& version, int step, long long lock_wait_ms) {
    return fmt::format(
        "UPDATE pgsafe.steps SET state = 'applied', attempts = attempts + 1, error = NULL, "
        "started_at = coalesce(started_at, pg_catalog.now()), lock_wait_ms = {}, finished_at = "
        "pg_catalog.clock_timestamp() "
        "WHERE version = {} AND step = {};",
        lock_wait_ms, literal(version), step);
}

std::string step_failed_sql(const std::string& version, int step, long long lock_wait_ms,
                            const std::string& error) {
    return fmt::format(
        // A step in a transaction records its start with its commit, so its failed
        // attempt was rolled back to 'pending' and counts here.
        "UPDATE pgsafe.steps SET state = 'failed', lock_wait_ms = {}, error = {}, finished_at = "
        "pg_catalog.clock_timestamp(), attempts = attempts + CASE WHEN state = 'running' THEN 0 ELSE 1 END, "
        "started_at = coalesce(started_at, pg_catalog.clock_timestamp()) "
        "WHERE version = {} AND step = {};",
        lock_wait_ms, literal(error), literal(version), step);
}

std::string batch_done_sql(const std::string& version, int step, long long next_key) {
    return fmt::format("UPDATE pgsafe.steps SET batch_next = {} WHERE version = {} AND step = {};", next_key,
                       literal(version), step);
}

std::string batch_done_sql(const std::string& version, int step, int range,
                           const std::vector<std::string>& last_key) {
    return fmt::format(
        "UPDATE pgsafe.steps SET batch_last = pg_catalog.jsonb_set(batch_last, '{{ranges,{},last}}', "
        "{}::pg_catalog.jsonb) WHERE version = {} AND step = {};",
        range, literal(dump(json(last_key))), literal(version), step);
}

std::string batch_ranges_sql(const std::string& version, int step, const plan::Batch& batch,
                             const std::vector<BatchRange>& ranges) {
    json parts = json::array();
    for (const auto& r : ranges)
        parts.push_back({{"until", r.until ? json(*r.until) : json(nullptr)},
                         {"last", r.last ? json(*r.last) : json(nullptr)}});
    json last = {{"columns", batch.key}, {"types", batch.types}, {"ranges", parts}};
    return fmt::format(
        "UPDATE pgsafe.steps SET batch_last = {}::pg_catalog.jsonb WHERE version = {} AND step = {};",
        literal(dump(last)), literal(version), step);
}

std::string batch_done_sql(const std::string& version, int step, const plan::Batch& batch,
                           const std::vector<std::string>& last_key) {
    json last = {{"columns", batch.key}, {"types", batch.types}, {"values", last_key}};
    return fmt::format(
        "UPDATE pgsafe.steps SET batch_last = {}::pg_catalog.jsonb WHERE version = {} AND step = {};",
        literal(dump(last)), literal(version), step);
}

std::string migration_applied_sql(const std::string& version) {
    return fmt::format(
        "UPDATE pgsafe.migrations SET state = 'applied', finished_at = pg_catalog.clock_timestamp(), "
        "duration_ms = (extract(epoch FROM pg_catalog.clock_timestamp() - started_at) OPERATOR(pg_catalog.*) "
        "1000)::bigint, error "
        "= NULL "
        "WHERE version = {};",
        literal(version));
}

std::string migration_failed_sql(const std::string& version, const json& error) {
    return fmt::format(
        "UPDATE pgsafe.migrations SET state = 'failed', finished_at = pg_catalog.clock_timestamp(), "
        "duration_ms = (extract(epoch FROM pg_catalog.clock_timestamp() - started_at) OPERATOR(pg_catalog.*) "
        "1000)::bigint, error "
        "= "
        "{}::pg_catalog.jsonb "
        "WHERE version = {};",
        literal(dump(error)), literal(version));
}

std::string event_sql(const std::string& kind, const std::optional<std::string>& version,
                      std::optional<int> step, const json& detail) {
    return fmt::format(
        "INSERT INTO pgsafe.events (kind, version, step, detail) VALUES ({}, {}, {}, {}::pg_catalog.jsonb);",
        literal(kind), literal_or_null(version), step ? std::to_string(*step) : "NULL",
        literal(dump(detail)));
}

std::string refusal_event_sql(const Refusal& refusal) {
    return event_sql("refused", refusal.version, std::nullopt,
                     {{"code", refusal.code}, {"reason", refusal.text()}, {"unlock", refusal.unlock}});
}

}  // namespace pgsafe::runner
