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
#include "pgsafe/db/error.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::runner {

// The lock's key: "pgsafe" in ASCII, then 1 (pg_locks shows classid 1885828961, objid 1717895169).
constexpr long long k_runner_lock_key = 0x7067736166650001LL;

// The work key: shared by a runner's work session while a step's work may
// still commit (inside each transaction that records progress, and around a
// step that runs outside a transaction); taken exclusively, for an instant,
// by a runner that has just got the runner lock. So a runner that lost its
// lock cannot commit after its successor has read the tracking tables: the
// successor waits for that commit, and after it the loser's check fails.
constexpr long long k_runner_work_key = 0x7067736166650002LL;

// The SQLSTATE of the error the lock check raises ("pgsafe lost the runner lock …").
inline const std::string k_lost_lock_sqlstate = "PGSLK";

// Run by the work session before each step, in every transaction that
// records progress (just before COMMIT), and before each tracking write:
// takes the work key (shared, until the transaction ends) and raises
// k_lost_lock_sqlstate unless session `lock_pid` still holds the runner
// lock. "" when `lock_pid` is 0 (--dry-run: no lock is taken).
// This form reads pg_locks (about 0.2 ms of server CPU: it copies the whole
// lock table); RunnerLock::check_sql() is the one a run sends before every step.
std::string lock_check_sql(int lock_pid);
// The same check through the run key (RunnerLock): `run_key` is a random
// advisory key that only the lock session holds, taken right after the
// runner lock and released with it (both end with the session, and only
// that session could release them: pgsafe sends nothing else on it but a
// first run's read of the table facts, which takes and releases no
// advisory lock).
// The work session asks for it shared without waiting: refused means the
// lock session still holds it, and so the runner lock; granted means the
// session is gone. A conflict test in the lock manager, a few microseconds.
// "" when `lock_pid` is 0. Plain SQL: its error is a failing cast (SQLSTATE
// 22P02) whose message quotes the error's text; lock_check_error turns it
// into the error the DO block of the form above raises.
std::string lock_check_sql(int lock_pid, long long run_key);
// `e` as the lock check's own error, k_lost_lock_sqlstate with its text as
// the message, when the run-key check raised it; nullopt for any other
// error. (A statement of a migration that casts such a text stops the run
// as a lost lock would: nothing is committed after it either way.)
std::optional<db::DatabaseError> lock_check_error(const db::DatabaseError& e, std::string_view doing);
// Around a step that runs outside a transaction: the work key, shared, for the session.
std::string hold_work_key_sql();
std::string release_work_key_sql();

// Who holds the runner lock: "pid 4242 (role deploy, application "pgsafe migrate",
// client 10.0.0.7, connected 2026-11-21 10:02:03+00, 41 s ago)", or "" when nobody.
std::string runner_lock_holder(db::Connection& connection);

// The statements RunnerLock sends on its own session (the first one polled,
// in its form for a session `through_pooler` or not), as --dry-run shows them.
std::string runner_lock_sql(bool through_pooler = false);
std::string runner_unlock_sql();

// A session for the lock: open_session's, named "pgsafe migrate (runner lock)".
db::Connection open_lock_session(const std::string& conninfo);
// The same beside `work_session`, already open (init, adopt): refused with
// pgsafe::Error (Usage) when the two are pooled per transaction
// (require_sessions_of_their_own, session_affinity.hpp).
db::Connection open_lock_session(const std::string& conninfo, db::Connection& work_session);

class RunnerLock {
public:
    // Polls with backoff, on `session` (open_lock_session), until the lock is
    // ours or `wait` has passed; throws pgsafe::Error (LockTimeout) naming the
    // holder, (Interrupted) on a signal, or (Usage) when a statement of the
    // lock's ran on another server process than the session's own, or found
    // the lock already held by it: a pooler in transaction mode (session_affinity.hpp).
    RunnerLock(db::Connection session, std::chrono::milliseconds wait, InterruptWatch& interrupt);
    ~RunnerLock();  // releases the lock and closes its session
    // The server process of the lock's session, which lock_check_sql() checks.
    int backend_pid() { return m_connection.backend_pid(); }
    // The lock's session, for a read while nothing else uses it (fresh_start.hpp).
    db::Connection& session() { return m_connection; }
    // lock_check_sql(backend_pid(), run key): what the work session runs before every step.
    std::string check_sql() { return lock_check_sql(backend_pid(), m_run_key); }
    RunnerLock(const RunnerLock&) = delete;
    RunnerLock& operator=(const RunnerLock&) = delete;

private:
    // Waits until no work session of a runner that lost the lock can still commit.
    void wait_for_work_key(std::chrono::steady_clock::time_point deadline, InterruptWatch& interrupt);
    // Takes a random advisory key of this run's own (lock_check_sql(int, long long)).
    void take_run_key();
    // Throws unless the server process in the second column of `rows` is the session's own.
    void same_process(const std::vector<db::Connection::Row>& rows, const char* what);
    db::Connection m_connection;
    long long m_run_key = 0;
};

// Called with the lock's session once it is open, before the lock is asked
// for, while nothing else uses it: the policy gate's reads, on a session
// that runs only pgsafe's own SQL. What it throws ends the run before any
// wait for the lock.
using BeforeLocking = std::function<void(db::Connection&)>;

// The work session and the runner lock, their connection set-ups at once:
// the work session connects while the lock's session connects and takes the
// lock. Behind a pooler the lock waits for the work session, and the two are
// probed first (session_affinity.hpp). A failure to open the work session is
// reported first (as when it was opened first); on the way out the lock is
// released before the work session closes.
class LockedSession {
public:
    LockedSession(const std::string& conninfo, const std::string& application_name,
                  std::chrono::milliseconds wait, InterruptWatch& interrupt,
                  const BeforeLocking& before_locking = {});
    db::Connection& session() { return *m_session; }
    RunnerLock& lock() { return *m_lock; }

private:
    std::optional<db::Connection> m_session;
    std::optional<RunnerLock> m_lock;
};

}  // namespace pgsafe::runner
