#pragma once
// The tracking tables in schema `pgsafe` (DESIGN.md): what ran, step by step,
// so a rerun knows where a killed runner stopped, `status` can tell applied
// from failed, and the audit log says who ran what. The SQL builders are
// pure and shared by the runner and --dry-run, so what --dry-run prints is
// what runs; load_tracking() and ensure_tracking_schema() do the I/O.
// tracking.cpp holds the schema (created, upgraded, trusted, read back),
// tracking_records.cpp the records (steps and plans as JSON, the SQL builders).

#include "executor.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/sql/ir.hpp"
#include "pgsafe/sql/position.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// The schema the tracking tables live in.
inline const std::string k_tracking_schema = "pgsafe";

// Whether a file's text, or the SQL of one of its steps, names schema pgsafe
// as a word: where a plan can have looked up the tracking tables (the steps'
// reasons say "pgsafe" of the tool, and do not count).
bool names_tracking_schema(const std::string& text, const std::vector<std::string>& step_sql);

enum class StepState { Pending, Running, Applied, Failed };
enum class TrackedState { Running, Applied, Failed };

// "pending", "running", "applied", "failed": the names the tracking tables store.
const char* step_state_name(StepState state);
const char* tracked_state_name(TrackedState state);

// One session's part of a keyset step's key when several sessions run its
// batches (batch_workers): the keys after the part before it's `until` (the
// first part: from the first key) up to its own `until` (the last part: to
// the last key), and the last key done in it.
struct BatchRange {
    std::optional<std::vector<std::string>> until;
    std::optional<std::vector<std::string>> last;
};

// A plan step as the runner keeps it: what to run and how, plus its progress.
struct StoredStep {
    int number = 0;  // 1-based, as plan prints it
    std::string sql;
    bool transactional = true;
    sql::LockMode lock_mode = sql::LockMode::None;
    std::vector<std::string> relations;  // "schema.table"
    int lock_timeout_ms = 0;
    std::optional<int> statement_timeout_ms;
    std::optional<double> estimated_seconds;
    std::optional<sql::RelationName> index;  // CREATE INDEX CONCURRENTLY: (schema, index)
    std::optional<plan::Batch> batch;
    int line = 0;                     // of the statement in the migration file
    std::optional<std::string> rule;  // the finding the step answers, when rewritten
    std::string why;                  // one line for the reviewer
    // progress
    StepState state = StepState::Pending;
    int attempts = 0;
    long long lock_wait_ms = 0;
    std::optional<long long> batch_next;  // a legacy bigint-range step: first key of the next batch
    // a keyset step: the last key done, one text value per key column
    std::optional<std::vector<std::string>> batch_last;
    // a keyset step run in parts (batch_last then holds the parts, not "values")
    std::vector<BatchRange> batch_ranges;
};

struct TrackedMigration {
    std::string version;
    std::string name;
    std::string checksum;
    TrackedState state = TrackedState::Running;
    std::string applied_by;
    std::string started_at;
    std::optional<std::string> finished_at;
    std::optional<long long> duration_ms;
    std::optional<nlohmann::json> error;
    std::vector<StoredStep> steps;
    bool adopted = false;  // state 'adopted' (taken over from another tool): Applied for the runner
};

struct Tracking {
    bool exists = false;  // schema pgsafe has been created
    int schema_version = 0;
    std::vector<TrackedMigration> migrations;  // in the order they were started
    // The migration whose version equals `version` the way the ordering
    // compares them (3 == 03 == 3.0), so renaming a file cannot make it pending.
    const TrackedMigration* find(const std::string& version) const;
};

// The tracking-schema version this pgsafe writes.
int tracking_schema_version();

// Each upgrade script that brings the tracking schema from `from` to the
// current version, in order (all of them for a database without it).
std::vector<std::string> tracking_upgrades(int from);

// pgsafe.approve and pgsafe.revoke, as CREATE OR REPLACE with EXECUTE revoked
// from PUBLIC, approve accepting members of `roles`: `pgsafe init` creates
// them and writes the policy's approve roles into approve itself, so only the
// schema's owner can change them and the function needs no table or setting
// that others could write. A database without init has neither (or, made by an
// earlier pgsafe, both, with no approve roles).
std::string approver_functions_sql(const std::vector<std::string>& roles);

// The tracking-schema version installed in the database; 0 when there is none.
int installed_tracking_version(db::Connection& connection);

// What makes an existing schema `pgsafe` untrustworthy, one line each
// ("trigger t_x on pgsafe.migrations"); empty when there is no such schema
// or nothing is wrong. pgsafe runs SQL stored there and writes there as
// the run role (maybe a superuser), so the schema must be one pgsafe
// created (it has pgsafe.schema_version), owned by the run role, a role it
// belongs to, a superuser, the database's owner or a role with ADMIN OPTION
// on the run role (who `pgsafe init` expects as owner), with no triggers,
// rules or functions but pgsafe.approve and pgsafe.revoke, every object
// owned by the schema's owner, and no write privilege (nor CREATE on the
// schema) granted to any other role than that owner and the run role, but
// the run roles' grants init makes (writes on the tables other than
// approvals, environment and schema_version; only INSERT on events).
// Read-only: nothing in the schema fires.
std::vector<std::string> tracking_schema_problems(db::Connection& connection);

// Reads the tracking tables (read-only; missing schema = nothing tracked).
// Throws pgsafe::Error (Usage) when the schema, or a record in it, is newer
// than this pgsafe.
Tracking load_tracking(db::Connection& connection);
// The same, once the schema is known to be at `version` (ensure_tracking_schema
// has just created or upgraded it, under the runner lock): one read, not three.
Tracking load_tracking(db::Connection& connection, int version);

// What a schema ensure_tracking_schema has just made from nothing holds:
// no history (every table in it was created by that one transaction).
Tracking made_tracking();

// Creates or upgrades the tracking schema from version `installed` (as
// load_tracking read it). Call while holding the runner lock; `lock_check`
// (runner_lock.hpp) starts each transaction, so that a runner that takes
// the lock after this one was killed waits for the schema's creation to
// end instead of making it a second time. A schema is made in one
// transaction (it is there whole or not at all); each upgrade of one that
// was there commits on its own. `then_read`, a read, goes in the same
// message after them; its rows are returned (none when it is empty).
Executor::Rows ensure_tracking_schema(Executor& work, int installed, const std::string& lock_check,
                                      const std::string& then_read = "");

// The format of the plan and step records this pgsafe writes. Records carry
// it as "format"; a record without it is format 1 (pgsafe before the key),
// whose fields are the same.
constexpr int k_record_format = 1;

// The plan stored in pgsafe.migrations.plan: the runner's own record of what
// it planned (the migration, its risk and findings, and every step's
// definition and digest), independent of `pgsafe plan --format json`.
// `planned_with` (resume_check.hpp) is what it was planned from, so that a
// resume can plan it again the same way.
std::string plan_record(const plan::MigrationPlan& plan, const std::vector<StoredStep>& steps,
                        const nlohmann::json& planned_with = nullptr);

// Step `number` (1-based) of a plan; `lines` indexes the migration file, for the step's line.
StoredStep stored_step(const plan::Step& step, int number, const sql::LineIndex& lines);

// --- SQL builders -------------------------------------------------------------

// Set at the start of every tracking write, local to its transaction: the
// run role and pgsafe's own settings, whatever a migration set on the session
// (SET ROLE, SET SESSION AUTHORIZATION, standard_conforming_strings,
// timeouts). Local, so the migration's next statements still see its own.
extern const std::string k_own_settings_sql;

// `sql` in a transaction of its own: read-write even after a migration set
// default_transaction_read_only, and with k_own_settings_sql first.
std::string own_transaction_sql(const std::string& sql);

std::string begin_migration_sql(const plan::MigrationPlan& plan, const std::string& plan_record);
std::string insert_steps_sql(const std::string& version, const std::vector<StoredStep>& steps);
std::string resume_migration_sql(const std::string& version);
std::string replace_unfinished_steps_sql(const plan::MigrationPlan& plan, const std::string& plan_record,
                                         const std::vector<StoredStep>& new_steps);
std::string step_started_sql(const std::string& version, int step);
std::string step_applied_sql(const std::string& version, int step, long long lock_wait_ms);
// step_started_sql and step_applied_sql as one UPDATE, for a step whose
// start and end commit together (a step in a transaction).
std::string step_done_sql(const std::string& version, int step, long long lock_wait_ms);
std::string step_failed_sql(const std::string& version, int step, long long lock_wait_ms,
                            const std::string& error);
// A batch done: a legacy range step stores the next key, a keyset step the last key done.
std::string batch_done_sql(const std::string& version, int step, long long next_key);
// The last key done in part `range` of a keyset step run in parts.
std::string batch_done_sql(const std::string& version, int step, int range,
                           const std::vector<std::string>& last_key);
// The parts of a keyset step's key, each with nothing done yet, before its first batch.
std::string batch_ranges_sql(const std::string& version, int step, const plan::Batch& batch,
                             const std::vector<BatchRange>& ranges);
std::string batch_done_sql(const std::string& version, int step, const plan::Batch& batch,
                           const std::vector<std::string>& last_key);
std::string migration_applied_sql(const std::string& version);
std::string migration_failed_sql(const std::string& version, const nlohmann::json& error);
std::string event_sql(const std::string& kind, const std::optional<std::string>& version,
                      std::optional<int> step, const nlohmann::json& detail);
// The "refused" event, the same for every refusal: {"code", "reason", "unlock"}.
std::string refusal_event_sql(const Refusal& refusal);

}  // namespace pgsafe::runner
