// The runner lock: polling for it, naming whoever holds it, releasing it.

#include "runner_lock.hpp"

#include "backoff.hpp"
#include "session.hpp"
#include "session_affinity.hpp"
#include "sql_text.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <future>
#include <random>
#include <string_view>

namespace pgsafe::runner {
namespace {

const std::string k_holder_query = fmt::format(
    "SELECT a.pid, a.usename, a.application_name, coalesce(pg_catalog.host(a.client_addr), 'local socket'), "
    "pg_catalog.date_trunc('second', a.backend_start)::pg_catalog.text, pg_catalog.round(extract(epoch FROM "
    "pg_catalog.now() - a.backend_start))::bigint "
    "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {}::pg_catalog.oid AND l.objid = "
    "{}::pg_catalog.oid AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())",
    (k_runner_lock_key >> 32) & 0xffffffffLL, k_runner_lock_key & 0xffffffffLL);

const std::string k_work_holders_query = fmt::format(
    "SELECT pg_catalog.string_agg(pg_catalog.format('pid %s (application \"%s\", %s for %s s: %s)', a.pid, "
    "a.application_name, "
    "a.state, pg_catalog.round(extract(epoch FROM pg_catalog.now() - a.state_change)), "
    "pg_catalog.left(a.query, 60)), '; ') "
    "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {}::pg_catalog.oid AND l.objid = "
    "{}::pg_catalog.oid AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())",
    (k_runner_work_key >> 32) & 0xffffffffLL, k_runner_work_key & 0xffffffffLL);

// The work session on the lock session's own server process, which only a
// pooler in transaction mode does (session_affinity.hpp), and where the lock
// check cannot tell; and the lock session gone. Each is the text of an error
// the checks raise (in a DO block, or by a cast lock_check_error reads back
// by its start).
const std::string k_same_process_start =
    "pgsafe's work session ran on the runner lock session's server process";
const std::string k_lost_lock_start = "pgsafe lost the runner lock: ";

std::string same_process_text(int lock_pid) {
    return fmt::format(
        "{} ({}): a pooler in transaction mode lends server processes between transactions; connect pgsafe "
        "directly or through a pool in session mode",
        k_same_process_start, lock_pid);
}

std::string lost_lock_text(int lock_pid) {
    return fmt::format(
        "{}its session (pid {}) no longer holds it (terminated, timed out or cut off); stopping before "
        "anything more is committed, since another runner may now hold it",
        k_lost_lock_start, lock_pid);
}

// In the checks' DO block: the same process, raised as k_lost_lock_sqlstate.
std::string same_process_check(int lock_pid) {
    return fmt::format(
        "IF pg_catalog.pg_backend_pid() = {0} THEN RAISE EXCEPTION {1} USING ERRCODE = '{2}'; "
        "END IF; ",
        lock_pid, literal(same_process_text(lock_pid)), k_lost_lock_sqlstate);
}

// Takes the session-level advisory lock `key` if it is free, and says on
// which server process that was asked (RunnerLock::same_process).
std::string try_lock_sql(long long key) {
    return fmt::format("SELECT pg_catalog.pg_try_advisory_lock({}), pg_catalog.pg_backend_pid()", key);
}

}  // namespace

std::string lock_check_sql(int lock_pid) {
    if (lock_pid == 0) return "";
    return fmt::format(
        "DO $pgsafe$ BEGIN PERFORM pg_catalog.pg_advisory_xact_lock_shared({0}); {5}"
        "IF NOT EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
        "AND pid = {1} AND classid = {2}::pg_catalog.oid AND objid = {3}::pg_catalog.oid AND objsubid = 1 "
        "AND database = "
        "(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())) THEN "
        "RAISE EXCEPTION {6} USING ERRCODE = '{4}'; END IF; END $pgsafe$;",
        k_runner_work_key, lock_pid, (k_runner_lock_key >> 32) & 0xffffffffLL,
        k_runner_lock_key & 0xffffffffLL, k_lost_lock_sqlstate, same_process_check(lock_pid),
        literal(lost_lock_text(lock_pid)));
}

std::string lock_check_sql(int lock_pid, long long run_key) {
    if (lock_pid == 0) return "";
    // Plain SQL, no DO block: a block is compiled anew each time (about
    // 45 us of the server's per check, hundreds of checks in a history
    // applied onto an empty database). Its error is a cast of the error's
    // text to integer that fails (lock_check_error). The statement before
    // it takes the work key, so the key is held before the run key is asked for.
    return fmt::format(
        "SELECT pg_catalog.pg_advisory_xact_lock_shared({0}); "
        "SELECT (CASE WHEN pg_catalog.pg_backend_pid() = {1} THEN {2} "
        "WHEN pg_catalog.pg_try_advisory_xact_lock_shared({3}) THEN {4} END)::pg_catalog.int4;",
        k_runner_work_key, lock_pid, literal(same_process_text(lock_pid)), run_key,
        literal(lost_lock_text(lock_pid)));
}

std::optional<db::DatabaseError> lock_check_error(const db::DatabaseError& e, std::string_view doing) {
    if (e.sqlstate() != "22P02") return std::nullopt;  // invalid_text_representation: the failing cast
    std::string_view what = e.what();
    for (const std::string& start : {k_lost_lock_start, k_same_process_start}) {
        auto from = what.find('"' + start);  // the cast's message quotes the text it could not read
        if (from == std::string_view::npos) continue;
        auto to = what.find('"', from + 1);
        if (to == std::string_view::npos) continue;
        return db::database_error(
            doing, what.substr(from + 1, to - from - 1), k_lost_lock_sqlstate,
            e.connection_lost() ? db::DatabaseError::Lost::Yes : db::DatabaseError::Lost::No);
    }
    return std::nullopt;
}

std::string hold_work_key_sql() {
    return fmt::format("SELECT pg_catalog.pg_advisory_lock_shared({})", k_runner_work_key);
}

std::string release_work_key_sql() {
    return fmt::format("SELECT pg_catalog.pg_advisory_unlock_shared({})", k_runner_work_key);
}

std::string runner_lock_holder(db::Connection& connection) {
    auto rows = connection.query(k_holder_query, "looking for the runner lock's holder");
    if (rows.empty()) return "";
    const auto& r = rows.front();
    return fmt::format("pid {} (role {}, application \"{}\", client {}, connected {}, {} s ago)",
                       r[0].value_or("?"), r[1].value_or("?"), r[2].value_or(""), r[3].value_or("?"),
                       r[4].value_or("?"), r[5].value_or("?"));
}

std::string runner_lock_sql(bool through_pooler) {
    if (!through_pooler)  // a session of its own: a new server process holds no lock yet
        return try_lock_sql(k_runner_lock_key);
    // 'held': this server process holds the lock already, which a pooled
    // session can find (session_affinity.hpp). Only then pg_locks is read:
    // it copies the server's whole lock table.
    return fmt::format(
        "SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
        "AND pid = pg_catalog.pg_backend_pid() AND classid = {1}::pg_catalog.oid AND objid = "
        "{2}::pg_catalog.oid AND objsubid = 1) "
        "THEN 'held' WHEN pg_catalog.pg_try_advisory_lock({0}) THEN 't' ELSE 'f' END, "
        "pg_catalog.pg_backend_pid()",
        k_runner_lock_key, (k_runner_lock_key >> 32) & 0xffffffffLL, k_runner_lock_key & 0xffffffffLL);
}

std::string runner_unlock_sql() {
    return fmt::format("SELECT pg_catalog.pg_advisory_unlock({})", k_runner_lock_key);
}

db::Connection open_lock_session(const std::string& conninfo) {
    return open_session(conninfo, "pgsafe migrate (runner lock)");
}

db::Connection open_lock_session(const std::string& conninfo, db::Connection& work_session) {
    db::Connection lock_session = open_lock_session(conninfo);
    require_sessions_of_their_own(lock_session, work_session);
    return lock_session;
}

RunnerLock::RunnerLock(db::Connection session, std::chrono::milliseconds wait, InterruptWatch& interrupt)
    : m_connection(std::move(session)) {
    const std::string try_lock = runner_lock_sql(m_connection.through_pooler());
    auto deadline = std::chrono::steady_clock::now() + wait;
    Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(2000));
    std::mt19937_64 random(std::random_device{}());
    std::string last_holder;
    while (true) {
        auto rows = m_connection.query(try_lock, "taking the runner lock");
        same_process(rows, "runner lock");
        if (rows.at(0).at(0) == std::optional<std::string>("held"))
            throw Error(ErrorKind::Usage,
                        pooled_sessions_message(fmt::format(
                            "server process {} already held the runner lock when this session asked for it "
                            "(another client of the pool took it there)",
                            m_connection.backend_pid())));
        if (rows.at(0).at(0) == std::optional<std::string>("t")) {
            take_run_key();
            wait_for_work_key(deadline, interrupt);
            return;
        }
        std::string holder = runner_lock_holder(m_connection);
        if (holder != last_holder)
            spdlog::warn("another pgsafe runner holds the runner lock: {}; waiting", holder);
        last_holder = holder;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            throw Error(
                ErrorKind::LockTimeout,
                fmt::format("gave up after {} s waiting for the runner lock (another pgsafe migrate is "
                            "running on this database): held by {}",
                            std::chrono::duration_cast<std::chrono::seconds>(wait).count(),
                            holder.empty() ? "a session that has just ended" : holder));
        auto pause = std::min<std::chrono::milliseconds>(
            backoff.next(random) + std::chrono::milliseconds(50),
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        if (!interrupt.sleep_for(pause))
            throw Error(
                ErrorKind::Interrupted,
                fmt::format("interrupted by {} while waiting for the runner lock", interrupt.signal_name()));
    }
}

void RunnerLock::take_run_key() {
    std::mt19937_64 random(std::random_device{}());
    while (true) {
        long long key = static_cast<long long>(random() >> 1);  // positive, never one of pgsafe's fixed keys
        if (key == 0 || key == k_runner_lock_key || key == k_runner_work_key) continue;
        auto rows = m_connection.query(try_lock_sql(key), "taking the run's own key");
        same_process(rows, "run's own key");
        if (rows.at(0).at(0) == std::optional<std::string>("t")) {
            m_run_key = key;
            return;
        }
    }
}

void RunnerLock::wait_for_work_key(std::chrono::steady_clock::time_point deadline,
                                   InterruptWatch& interrupt) {
    const std::string try_key = try_lock_sql(k_runner_work_key);
    std::string last_holders;
    while (true) {
        auto rows = m_connection.query(try_key, "checking that no earlier runner can still commit");
        same_process(rows, "work key");
        if (rows.at(0).at(0) == std::optional<std::string>("t")) {
            m_connection.execute(fmt::format("SELECT pg_catalog.pg_advisory_unlock({})", k_runner_work_key),
                                 "checking that no earlier runner can still commit");
            return;
        }
        auto holders = m_connection.query(k_work_holders_query, "naming the earlier runner's sessions");
        std::string named = holders.empty() ? "" : holders.front().at(0).value_or("");
        if (named != last_holders)
            spdlog::warn(
                "an earlier pgsafe runner, which no longer holds the runner lock, still has a statement "
                "in flight: {}; waiting for it to end before reading what it did",
                named);
        last_holders = named;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            throw Error(ErrorKind::LockTimeout,
                        fmt::format("gave up waiting for an earlier pgsafe runner's session to end: {}; "
                                    "end it (pg_terminate_backend) or wait, then run again",
                                    named.empty() ? "a session that has just ended" : named));
        auto pause = std::min<std::chrono::milliseconds>(
            std::chrono::milliseconds(200),
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        if (!interrupt.sleep_for(pause))
            throw Error(ErrorKind::Interrupted,
                        fmt::format("interrupted by {} while waiting for an earlier runner's session to end",
                                    interrupt.signal_name()));
    }
}

void RunnerLock::same_process(const std::vector<db::Connection::Row>& rows, const char* what) {
    int pid = std::stoi(rows.at(0).at(1).value_or("0"));
    if (pid == m_connection.backend_pid()) return;
    throw Error(ErrorKind::Usage,
                pooled_sessions_message(fmt::format(
                    "the {} was asked for on server process {}, not on the session's own {}; if granted, "
                    "it stays held there until the pooler closes that connection (pg_terminate_backend({}) "
                    "ends it)",
                    what, pid, m_connection.backend_pid(), pid)));
}

RunnerLock::~RunnerLock() {
    try {
        m_connection.execute(runner_unlock_sql(), "releasing the runner lock");
    } catch (const std::exception& e) {
        spdlog::debug("{} (the lock ends with the session)", e.what());
    }
}

LockedSession::LockedSession(const std::string& conninfo, const std::string& application_name,
                             std::chrono::milliseconds wait, InterruptWatch& interrupt,
                             const BeforeLocking& before_locking) {
    auto opening = std::async(std::launch::async,
                              [&] { return open_session(conninfo, application_name, SearchPath::Users); });
    std::exception_ptr lock_failed;
    try {
        db::Connection lock_session = open_lock_session(conninfo);
        if (before_locking) before_locking(lock_session);
        if (lock_session.through_pooler()) {  // probed before the lock is taken: nothing stays behind
            m_session.emplace(opening.get());
            require_sessions_of_their_own(lock_session, *m_session);
        }
        m_lock.emplace(std::move(lock_session), wait, interrupt);
    } catch (...) {
        lock_failed = std::current_exception();
    }
    // The work session's error first; the lock, if taken, is released on the way out.
    if (opening.valid()) m_session.emplace(opening.get());
    if (lock_failed) std::rethrow_exception(lock_failed);
}

}  // namespace pgsafe::runner
