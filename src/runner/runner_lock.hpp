#pragma once
// One runner per database: a session-level advisory lock on a connection of
// its own that never opens a transaction. Taken by polling
// pg_try_advisory_lock, never by a blocking pg_advisory_lock: a session
// waiting for a lock inside the server counts as an open transaction, and
// CREATE INDEX CONCURRENTLY run by the holder waits for it, forever
// (Flyway #1654, golang-migrate #960). A crashed runner's lock ends with its
// session, so there is no stale lock row to clean up.

#include "interrupt.hpp"

#include "pgsafe/db/connection.hpp"

#include <chrono>
#include <string>

namespace pgsafe::runner {

// The lock's key: "pgsafe" in ASCII, then 1 (pg_locks shows classid 1885828961, objid 1717895169).
constexpr long long k_runner_lock_key = 0x7067736166650001LL;

// Who holds the runner lock: "pid 4242 (role deploy, application "pgsafe migrate",
// client 10.0.0.7, connected 2026-11-21 10:02:03+00, 41 s ago)", or "" when nobody.
std::string runner_lock_holder(db::Connection& connection);

// The statements RunnerLock sends on its own session (the first one polled), as --dry-run shows them.
std::string runner_lock_sql();
std::string runner_unlock_sql();

class RunnerLock {
public:
    // Polls with backoff until the lock is ours or `wait` has passed; throws
    // pgsafe::Error (LockTimeout) naming the holder, or (Interrupted) on a signal.
    RunnerLock(const std::string& conninfo, std::chrono::milliseconds wait, InterruptWatch& interrupt);
    ~RunnerLock();  // releases the lock and closes its session
    RunnerLock(const RunnerLock&) = delete;
    RunnerLock& operator=(const RunnerLock&) = delete;

private:
    db::Connection m_connection;
};

}  // namespace pgsafe::runner
