// The run-key lock check (runner_lock.hpp) on a real server: plain SQL whose
// error is a failing cast, told apart from every other error, and the work
// key it takes until the transaction ends.

#include "runner/executor.hpp"
#include "runner/runner_lock.hpp"
#include "test_db.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/error.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using pgsafe::test::exec;
using pgsafe::test::value;

namespace runner = pgsafe::runner;

namespace {

constexpr long long k_run_key = 4242424242LL;

// The work session's transaction: the check, then a row, then COMMIT.
// Returns the error it stopped with, if any.
std::optional<pgsafe::db::DatabaseError> checked_insert(runner::Executor& work, int lock_pid) {
    try {
        work.execute("BEGIN; " + runner::lock_check_sql(lock_pid, k_run_key) +
                         " INSERT INTO written VALUES (1); COMMIT;",
                     "checking the runner lock");
        return std::nullopt;
    } catch (const pgsafe::db::DatabaseError& e) {
        work.execute("ROLLBACK", "rolling back");
        return e;
    }
}

// The table the checked transactions write to, and the run key, held by `lock_session`.
void set_up(const std::string& dsn, pgsafe::db::Connection& lock_session) {
    exec(dsn, "CREATE TABLE written (v int)");
    lock_session.execute("SELECT pg_advisory_lock(" + std::to_string(k_run_key) + ")", "taking the run key");
}

}  // namespace

TEST_CASE(
    "the lock check passes while the lock session holds the run key, and stops the commit once it is "
    "gone",
    "[db][runner-lock]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    pgsafe::db::Connection work_session(db->dsn());
    runner::ConnectionExecutor work(work_session);
    std::optional<pgsafe::db::Connection> lock_session(std::in_place, db->dsn());
    int lock_pid = lock_session->backend_pid();
    set_up(db->dsn(), *lock_session);

    CHECK_FALSE(checked_insert(work, lock_pid).has_value());
    CHECK(value(db->dsn(), "SELECT count(*) FROM written") == "1");

    lock_session.reset();  // the lock session ends, and its keys with it
    REQUIRE(pgsafe::test::eventually([&] {
        return value(db->dsn(),
                     "SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(lock_pid)) == "0";
    }));
    auto error = checked_insert(work, lock_pid);
    REQUIRE(error.has_value());
    CHECK(error->sqlstate() == runner::k_lost_lock_sqlstate);
    CHECK(std::string(error->what()) ==
          "checking the runner lock: pgsafe lost the runner lock: its session (pid " +
              std::to_string(lock_pid) +
              ") no longer holds it (terminated, timed out or cut off); stopping before anything more is "
              "committed, since another runner may now hold it (SQLSTATE PGSLK)");
    CHECK(value(db->dsn(), "SELECT count(*) FROM written") == "1");  // the second row never committed
}

TEST_CASE("the lock check holds the work key until its transaction ends, and names a shared server process",
          "[db][runner-lock]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    pgsafe::db::Connection work_session(db->dsn());
    runner::ConnectionExecutor work(work_session);
    pgsafe::db::Connection lock_session(db->dsn());
    set_up(db->dsn(), lock_session);
    pgsafe::db::Connection successor(db->dsn());
    const std::string take_work_key =
        "SELECT pg_try_advisory_lock(" + std::to_string(runner::k_runner_work_key) + ")";

    work.execute("BEGIN; " + runner::lock_check_sql(lock_session.backend_pid(), k_run_key), "checking");
    CHECK(successor.query(take_work_key, "").at(0).at(0) == std::optional<std::string>("f"));
    work.execute("COMMIT", "committing");
    CHECK(successor.query(take_work_key, "").at(0).at(0) == std::optional<std::string>("t"));
    successor.execute("SELECT pg_advisory_unlock(" + std::to_string(runner::k_runner_work_key) + ")", "");

    // The lock's server process is the work session's own: a pooler in transaction mode.
    auto error = checked_insert(work, work_session.backend_pid());
    REQUIRE(error.has_value());
    CHECK(error->sqlstate() == runner::k_lost_lock_sqlstate);
    CHECK(std::string(error->what())
              .find("pgsafe's work session ran on the runner lock session's server "
                    "process") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM written") == "0");
}

TEST_CASE("a migration's own failing cast is its own error, not a lost runner lock", "[db][runner-lock]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    pgsafe::db::Connection work_session(db->dsn());
    runner::ConnectionExecutor work(work_session);
    try {
        work.execute("SELECT ('pgsafe lost ' || pg_backend_pid())::int", "running step 1");
        FAIL("the cast succeeded");
    } catch (const pgsafe::db::DatabaseError& e) {
        CHECK(e.sqlstate() == "22P02");
        CHECK_FALSE(runner::lock_check_error(e, "running step 1").has_value());
    }
}
