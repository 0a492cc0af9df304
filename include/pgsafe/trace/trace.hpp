#pragma once
// `pgsafe trace`: run migrations for real on a harmless server and report
// what each statement did: the relation locks its own backend held (from
// pg_locks), rewrites (a relfilenode that changed), catalog changes, its
// duration, and how long each lock that blocks writes was held until its
// transaction ended; each statement checked against the static lock model.
// With a plan beside each migration, the plan's steps run on a second copy
// of the schema and the two end states are compared.
//
//     trace::TraceReport report = trace::trace_migrations(migrations, {url, plan_url}, options);

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/trace/model_check.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::trace {

struct TracedLock {
    std::string relation;  // "schema.name"
    std::string kind;      // "table", "index", "sequence", "view", "materialized view", …
    std::string mode;      // as pg_locks spells it: "AccessExclusiveLock"
    sql::LockMode level = sql::LockMode::None;
    bool blocks_writes = false;  // conflicts with the ROW EXCLUSIVE lock of INSERT/UPDATE/DELETE
    bool existed = false;        // the relation existed before the migration began
    std::optional<double>
        held_ms;  // write-blocking locks: from the statement's start to its transaction's end
    // Set when the lock blocks writes on a table that existed before the
    // migration and is large by the thresholds: its size, "41 M rows, 6.2 GB".
    std::optional<std::string> large;
};

struct TracedStatement {
    int line = 0;  // 1-based, in the migration file
    int column = 0;
    std::string sql;
    double duration_ms = 0;
    bool transactional = true;          // false: ran outside a transaction, traced from a second connection
    std::vector<TracedLock> locks;      // the locks it took (new, or stronger than its transaction held)
    std::vector<std::string> rewrites;  // "public.t (table)": relations whose relfilenode changed
    std::vector<std::string> changes;  // "+ column t.c: …", "- index …": catalog lines it added or removed
    ModelCheck model;
};

// A statement the server refused: the migration is broken.
struct ServerFailure {
    int line = 0;
    int column = 0;
    std::string sqlstate;
    std::string message;
};

struct TracedRun {
    std::vector<TracedStatement> statements;
    std::optional<ServerFailure> failure;
    double duration_ms = 0;  // all statements together
};

struct PlanTrace {
    TracedRun run;
    bool equivalent = true;
    std::vector<std::string> diff;  // "- line": only after the file as written; "+ line": only after the plan
};

struct TracedMigration {
    std::string version;
    std::string name;
    std::string path;
    TracedRun original;
    std::optional<PlanTrace> plan;
};

struct TraceReport {
    std::string server;  // server_version, "15.4"
    std::vector<TracedMigration> migrations;
    bool rolled_back = false;  // --db without --commit: nothing stayed
};

struct MigrationToTrace {
    std::string version;
    std::string name;
    std::string path;  // as shown in messages
    sql::ParsedFile parsed;
    std::optional<plan::MigrationPlan> plan;  // --plan: its steps run on the plan's copy
};

struct TraceTarget {
    std::string url;       // where the files run as written
    std::string plan_url;  // where the plans run (a copy of the same schema); "" without --plan
};

enum class Ending {
    Commit,    // a scratch server, or --db with --commit
    Rollback,  // --db: everything runs in one transaction that is rolled back
};

// SIGINT and SIGTERM: the tracer stops between statements and cancels the one in flight.
class Interrupts {
public:
    virtual ~Interrupts() = default;
    virtual bool interrupted() const = 0;
    virtual void set_canceller(std::function<void()> cancel) = 0;  // {} clears it
};

struct TraceOptions {
    Ending ending = Ending::Commit;
    analysis::TableFacts facts;  // sizes of the tables before the run
    analysis::Thresholds thresholds;
    Interrupts* interrupts = nullptr;
};

// Traces every migration in order; stops at the first that fails on the
// server (its TracedRun::failure says where and why). Throws pgsafe::Error
// (Interrupted) on a signal, (Database) when the server is lost, (Usage)
// for a statement that cannot run outside a transaction in Rollback mode.
TraceReport trace_migrations(const std::vector<MigrationToTrace>& migrations, const TraceTarget& target,
                             const TraceOptions& options);

// Why the run should fail (exit 1): write-blocking locks on large existing
// tables, model mismatches, plans that are not equivalent. Empty when none.
std::vector<std::string> trace_problems(const TraceReport& report);

// Whether a migration failed on the server (exit 4).
bool trace_failed(const TraceReport& report);

enum class Format { Text, Json, Markdown };
std::string render_trace(const TraceReport& report, Format format);

}  // namespace pgsafe::trace
