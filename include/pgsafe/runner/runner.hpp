#pragma once
// `pgsafe migrate` and `pgsafe status`: run the pending migrations' plans
// against the target database (DESIGN.md, "Running a step"), print what a
// run would execute (--dry-run), or report what the tracking tables say.

#include "pgsafe/config/settings.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/migrate_result.hpp"
#include "pgsafe/runner/observer.hpp"
#include "pgsafe/source/migration.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::runner {

// The results are declared in the pure core (report/migrate_result.hpp).
using report::AppliedMigration;
using report::MigrationState;
using report::MigrationStatus;
using report::RunError;
using report::RunResult;
using report::RunStatus;
using report::StatusReport;

// What a gate (the policy, runner/policy_gate.hpp) is told right before a migration starts.
struct GateInput {
    const source::MigrationFile* file = nullptr;
    std::optional<plan::Risk> risk;           // nullopt: resumed; the gate reads the stored plan
    std::set<std::string> rules;              // rule names of its findings
    std::optional<double> estimated_seconds;  // of the steps still to run; nullopt: unknown
    bool resumed = false;
    // Sleeps up to the duration; false when a signal arrived (then stop waiting).
    std::function<bool(std::chrono::milliseconds)> sleep;
};

// What the gate decided: refusals stop the run before the migration touches
// anything; events are recorded either way (kind, detail).
struct GateDecision {
    std::vector<Refusal> refusals;
    std::vector<std::pair<std::string, nlohmann::json>> events;
};

class MigrationGate {
public:
    virtual ~MigrationGate() = default;
    virtual GateDecision check(const GateInput& input) = 0;
    // True when check() decides the same whenever it is asked, without the
    // clock, approvals, waiting or events (no policy): the run may then ask
    // it for several migrations before sending their steps in one message.
    virtual bool time_independent() const { return false; }
};

struct RunOptions {
    std::string conninfo;  // "" = libpq's PG* variables
    plan::PlanOptions plan;
    std::optional<std::string> to;  // apply up to and including this version
    bool allow_out_of_order = false;
    bool allow_same_content = false;  // run a new file whose content is an applied migration's
    std::chrono::milliseconds lock_wait{std::chrono::minutes(5)};  // for the runner lock
    config::Retry retry;  // lock-timeout retries: backoff and deadline
    config::Run run;      // batch pause, blocker queries shown or not
    // Told what the run does, in this order; not owned. None: a silent run.
    std::vector<RunObserver*> observers;
    // Asked right before each migration starts; not owned. None: no policy.
    MigrationGate* gate = nullptr;
};

// What an error means for a run's status: refused, lock_timeout, interrupted, else failed.
RunStatus run_status_for(ErrorKind kind);
// The error as the result reports it, with its SQLSTATE when the server sent one.
RunError run_error(const Error& error, const std::string& migration);

// Applies the migrations that have not been applied, in order. Never throws
// for what happens once the runner lock is held: the result says what was
// applied and what failed. Throws pgsafe::Error before that (cannot connect:
// Database; runner lock busy: LockTimeout; signal: Interrupted).
// The gate is opened on the runner lock's session, once it is open and
// before the lock is asked for (the work session connects meanwhile):
// `open_gate` reads on that session what it needs and sets the gate in a
// copy of `options`, with what the gate changes in them (a policy's
// timeouts and retries); the run goes on with that copy. The lock is taken
// with `options` (conninfo, lock_wait). What `open_gate` throws ends the run
// before the lock is asked for; only a failure to open the work session is
// reported before it.
using OpenGate = std::function<void(RunOptions&, db::Connection& first_reads)>;
RunResult migrate(const std::vector<source::MigrationFile>& files, const RunOptions& options,
                  const OpenGate& open_gate);

// The SQL a run would execute now, tracking-table writes included, as the
// runner's own code sends it (through a recording executor); changes
// nothing and takes no lock. Throws pgsafe::Error where migrate's result
// would hold an error (refused, parse error).
std::string dry_run(const std::vector<source::MigrationFile>& files, const RunOptions& options);

// Applied, pending, failed, running and drifted migrations. Read-only.
StatusReport status(const std::vector<source::MigrationFile>& files, const std::string& conninfo);

}  // namespace pgsafe::runner
