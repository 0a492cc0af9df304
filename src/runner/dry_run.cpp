// `pgsafe migrate --dry-run`: the run itself (run.hpp), with its statements
// sent to a recording executor instead of the database, so what it prints
// is what a run would send now, in that order, tracking writes included.
// Reads the tracking tables and table sizes; writes nothing and takes no lock.

#include "executor.hpp"
#include "interrupt.hpp"
#include "reconcile.hpp"
#include "run.hpp"
#include "runner_lock.hpp"
#include "session.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/runner/runner.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

// Comments between the statements: which migration and step they belong to.
class ScriptComments : public RunObserver {
public:
    explicit ScriptComments(RecordingExecutor& script) : m_script(script) {}
    void migration_started(const MigrationView& m) override {
        m_script.comment(fmt::format("\n-- migration {} {} ({}){}", m.version, m.name, m.path,
                                     m.resumed ? ", resuming" : ""));
    }
    void step_started(const StepView& step) override {
        m_script.comment(fmt::format("-- step {} ({}{}{})", step.number,
                                     step.transactional ? "in a transaction" : "outside a transaction",
                                     step.lock_mode == sql::LockMode::None
                                         ? ""
                                         : std::string(", ") + sql::lock_mode_name(step.lock_mode),
                                     step.batched ? ", in batches" : ""));
    }

private:
    RecordingExecutor& m_script;
};

}  // namespace

std::string dry_run(const std::vector<source::MigrationFile>& files, const RunOptions& options) {
    require_version(files, options.to);
    InterruptWatch interrupt;
    db::Connection reads = open_session(options.conninfo, "pgsafe migrate", SearchPath::Users);
    RecordingExecutor script(reads);
    ScriptComments comments(script);
    RunOptions recorded = options;
    recorded.observers = {&comments};
    recorded.run.batch_pause = std::chrono::milliseconds(0);      // nothing runs: no load to pause for
    recorded.run.max_replica_lag = std::chrono::milliseconds(0);  // nor replicas to wait for

    script.record(session_setup_sql("pgsafe migrate", SearchPath::Users));
    script.record(runner_lock_sql(), "polled until granted, on a session of its own");
    RunResult result = run_locked(files, recorded, script, reads, interrupt, "");
    script.record(runner_unlock_sql());
    if (result.error) {
        if (!result.error->refusals.empty()) throw RefusedError(result.error->refusals);
        throw Error(result.error->kind, result.error->message);
    }
    return fmt::format(
               "-- pgsafe migrate --dry-run on {}: {} migration{} to run. Nothing was changed.\n"
               "-- Lock waits are bounded by lock_timeout; a step that times out is retried with backoff.\n",
               reads.describe(), result.applied.size(), result.applied.size() == 1 ? "" : "s") +
           script.script();
}

}  // namespace pgsafe::runner
