// Telling a pooler in transaction mode from a session of one's own
// (session_affinity.hpp).

#include "session_affinity.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

int server_pid(db::Connection& session, const char* doing) {
    auto rows = session.query("SELECT pg_catalog.pg_backend_pid()", doing);
    return std::stoi(rows.at(0).at(0).value_or("0"));
}

struct Seen {
    int lock;  // the server process the lock's session had when it connected
    int work;  // the work session's
    std::string what;
};

// `name`'s transaction ran on `pid`; a problem unless that is `own`.
void expect(Seen& seen, const char* name, int pid, int own) {
    if (!seen.what.empty() || pid == own) return;
    seen.what = pid == (own == seen.lock ? seen.work : seen.lock)
                    ? fmt::format("the {} ran on server process {}, the other session's", name, pid)
                    : fmt::format("the {} ran on server process {}, not on its own {}", name, pid, own);
}

// One round: both transactions open, then ended with the lock session's
// first (`lock_first`) or last; then the lock session asks once more.
void round(db::Connection& lock, db::Connection& work, bool lock_first, Seen& seen) {
    const char* doing = "checking that pgsafe's sessions each have a server process of their own";
    work.execute("BEGIN", doing);
    expect(seen, "work session's transaction", server_pid(work, doing), seen.work);
    lock.execute("BEGIN", doing);
    expect(seen, "runner lock session's transaction", server_pid(lock, doing), seen.lock);
    db::Connection& first = lock_first ? lock : work;
    db::Connection& last = lock_first ? work : lock;
    first.execute("COMMIT", doing);
    last.execute("COMMIT", doing);
    expect(seen, "runner lock session's next statement", server_pid(lock, doing), seen.lock);
}

}  // namespace

std::string pooled_sessions_message(const std::string& seen) {
    return fmt::format(
        "pgsafe needs a server process of its own for each of its sessions, and this connection goes "
        "through a pooler in transaction (or statement) mode: {}. Between transactions such a pooler "
        "lends a session's server process to other clients, so the runner lock (a session-level advisory "
        "lock) would stay behind on a process of the pool, where a second runner could take it again. "
        "Connect pgsafe to PostgreSQL directly, or through a pool in session mode (PgBouncer: pool_mode = "
        "session)",
        seen);
}

void require_sessions_of_their_own(db::Connection& lock_session, db::Connection& work_session) {
    Seen seen{lock_session.backend_pid(), work_session.backend_pid(), ""};
    if (seen.lock == seen.work)
        seen.what = fmt::format("both sessions connected to server process {}", seen.lock);
    if (seen.what.empty() && !lock_session.through_pooler() && !work_session.through_pooler()) return;
    try {
        for (bool lock_first : {true, false})
            if (seen.what.empty()) round(lock_session, work_session, lock_first, seen);
    } catch (const db::DatabaseError& e) {  // a statement-mode pool refuses BEGIN
        seen.what = fmt::format("a transaction could not be opened ({})", e.what());
    }
    if (!seen.what.empty()) throw Error(ErrorKind::Usage, pooled_sessions_message(seen.what));
}

}  // namespace pgsafe::runner
