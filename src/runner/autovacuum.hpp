#pragma once
// Autovacuum in the way of a step. PostgreSQL cancels an autovacuum worker
// that blocks a lock request for deadlock_timeout (1 s by default), unless
// it runs to prevent wraparound. pgsafe's lock requests give up sooner
// (lock_timeout 100 ms), so PostgreSQL never does, and a step would retry
// until its deadline behind a vacuum psql would have preempted. So pgsafe
// does what PostgreSQL does: it cancels an ordinary autovacuum worker that
// blocks a step (pg_cancel_backend), or, when its role may not, makes its
// next try wait just past deadlock_timeout, once, so PostgreSQL cancels it.
// A wraparound vacuum is named and waited for, never cancelled.

#include "blockers.hpp"
#include "executor.hpp"

#include "pgsafe/runner/observer.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::runner {

struct AutovacuumContext {
    Executor& work;
    RunObserver& observer;
    const std::string& label;    // of the step, for the notes
    const std::string& version;  // of the migration, for the events
    int step = 0;
    std::set<std::string>& told;  // pids already reported as wraparound vacuums
};

// Deals with the autovacuum workers among `blockers`, says what it did (a
// note, and an "autovacuum-cancelled" or "autovacuum-wait" event). Returns
// the lock_timeout (ms) for the next try when it could not cancel one.
std::optional<int> preempt_autovacuum(AutovacuumContext& context, const std::vector<Blocker>& blockers);

// The SQL that cancels worker `pid` only if it is still an ordinary autovacuum worker.
std::string cancel_autovacuum_sql(const std::string& pid);

}  // namespace pgsafe::runner
