#pragma once
// Running one step the way DESIGN.md's "Running a step" says: bounded lock
// waits (lock_timeout per attempt), retries on lock_not_available and
// deadlock_detected with backoff and full jitter until the retry deadline,
// the blockers named while it waits, the step's own state written in the
// same transaction as its work (or right after, for steps that cannot run
// in one), half-built indexes dropped before a retry, batches run range by
// range with their progress recorded.

#include "executor.hpp"
#include "interrupt.hpp"
#include "tracking.hpp"

#include "pgsafe/runner/observer.hpp"
#include "pgsafe/runner/runner.hpp"

#include <optional>
#include <random>
#include <string>

namespace pgsafe::runner {

// What a step runs with: where its statements go (the database, or
// --dry-run's recording), who is told about it, and the run's settings.
struct StepRun {
    Executor& work;
    InterruptWatch& interrupt;
    RunObserver& observer;
    const RunOptions& options;
    std::mt19937_64& random;
    // lock_check_sql() for the run's runner lock; "" for --dry-run.
    const std::string& lock_check;
    // The lock_timeout (ms) of the try in progress, when longer than the
    // step's: once, to outwait deadlock_timeout behind autovacuum.
    std::optional<int> lock_timeout_once = std::nullopt;
    // An earlier step changed the session (session_changes.hpp): its
    // transactions may be read-only, and are checked before a step is recorded in them.
    bool session_changed = false;
};

struct StepOutcome {
    long long lock_wait_ms = 0;
    int retries = 0;
};

// Runs `step` (seen by observers as `view`, whose label, e.g.
// "migrations/V3__fk.sql:4 (step 2/4)", starts every message about it) to
// completion, updating `outcome` as it goes. Throws db::DatabaseError (the
// step failed, or the connection was lost), pgsafe::Error LockTimeout (the
// retry deadline passed) or Interrupted.
// `earlier` says whether an earlier run started this migration (it was left
// running or failed): a step outside a transaction whose work is in fact
// done (its index is valid; the index it drops is gone) is then recorded as
// applied instead of run again.
// `also_commit` is tracking SQL to commit with the step (the migration's
// "applied" record, for its last step), saving a round trip; it is committed
// only by a step that runs in one transaction, or outside one when no
// earlier run started it and the run holds the runner lock (with the step's
// record), and the result says whether it was.
// `start`, when given, is the migration's start record (a transaction of its
// own, tracking SQL only) to commit before the step; a step in a transaction
// sends it in the same round trip, a step outside one sends it first (in the
// round trip before the statement, when no earlier run started the step).
// `start->committed` says afterwards whether it was, also when the step
// failed (false: the step did not run).
struct StartRecord {
    std::string sql;
    std::string version;
    bool committed = false;
};
enum class EarlierRun { No, Yes };
bool execute_step(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
                  EarlierRun earlier, const std::string& also_commit = "", StartRecord* start = nullptr);

// Whether the transaction before a step's, in the same message, checked the
// runner lock just before its COMMIT. Then that check, microseconds before,
// stands for the one before the step: the check before this step's COMMIT
// still stops it from committing once the lock is lost, and takes the work
// key before it (runner_lock.hpp).
enum class CheckedBefore { No, Yes };

// The text run_in_transaction sends for `step` when nothing else shares its
// round trip and the session is as pgsafe expects (no read-only check): BEGIN,
// the runner-lock check (not when `checked`), the step's timeouts and SQL,
// pgsafe's own settings, the lock check again, the step's record,
// `also_commit` and COMMIT. A run sends several of these in one message
// (migration_batches.cpp): the server stops at the first error, and each one
// that committed carries its record.
std::string one_trip_step_sql(const StepRun& run, const StepView& view, const StoredStep& step,
                              const std::string& also_commit, CheckedBefore checked = CheckedBefore::No);

// The start record's SQL: `tracking_sql` with the lock check, in a
// transaction of its own that also marks the session, so that after an
// error in the round trip it shares with the step, started_record_committed()
// can tell whether it committed.
std::string start_record_sql(const std::string& lock_check, const std::string& tracking_sql,
                             const std::string& version);

// The SET statements that bound a step's waits: SET LOCAL inside its
// transaction, plain SET (then RESET) around a step that runs outside one.
enum class Scope { Transaction, Session };
std::string timeouts_sql(const StoredStep& step, Scope scope);
inline const std::string k_reset_timeouts_sql = "RESET lock_timeout; RESET statement_timeout;";

}  // namespace pgsafe::runner
