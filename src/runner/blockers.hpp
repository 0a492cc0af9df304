#pragma once
// Who is in the way of a step: the sessions holding a lock on the step's
// tables in a mode that conflicts with the one the step needs, from pg_locks
// and pg_stat_activity. Asked right after an attempt gave up, so it names
// the long transaction a DBA has to look at, not the queue behind it.

#include "executor.hpp"
#include "tracking.hpp"

#include "pgsafe/db/connection.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pgsafe::runner {

// An autovacuum worker is cancelled by PostgreSQL itself when it blocks a
// lock request for deadlock_timeout, unless it runs to prevent wraparound;
// pgsafe's lock requests end sooner, so pgsafe has to do it (autovacuum.hpp).
enum class BlockerKind { Session, Autovacuum, WraparoundAutovacuum };

struct Blocker {
    std::string pid;
    std::string role;
    std::string state;   // "idle in transaction", "active" …
    double seconds = 0;  // since its transaction (else its query) started
    std::string query;   // "" when hidden by configuration
    BlockerKind kind = BlockerKind::Session;
};

// From pg_stat_activity's backend_type and query: "autovacuum worker" and
// "autovacuum: VACUUM public.t (to prevent wraparound)" is a wraparound one.
BlockerKind blocker_kind(const std::string& backend_type, const std::string& query);

std::vector<Blocker> find_blockers(Executor& connection, const StoredStep& step, bool show_query);

// "pid 4242 (role app, idle in transaction for 9.1 s): SELECT …", joined by "; ".
std::string describe_blockers(const std::vector<Blocker>& blockers);

nlohmann::json blockers_json(const std::vector<Blocker>& blockers);

// pg_locks' spelling of the modes that conflict with `mode` ("ACCESS EXCLUSIVE" -> all eight).
std::vector<std::string> conflicting_pg_lock_modes(sql::LockMode mode);

}  // namespace pgsafe::runner
