// pgsafe through a connection pooler: a PgBouncer started here in front of
// the test server. In session mode pgsafe runs as it does directly, and its
// runner-lock checks name the server's own process ids (PgBouncer shows
// clients ids of its own). In transaction and statement mode, where the
// runner lock cannot hold (runner/session_affinity.hpp), migrate, init and
// adopt refuse before they take any lock, and nothing stays behind.

#include "process.hpp"
#include "runner/interrupt.hpp"
#include "runner/runner_lock.hpp"
#include "runner/session_affinity.hpp"
#include "server_process.hpp"
#include "test_db.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

using Catch::Matchers::Contains;
using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;
using pgsafe::test::value;

namespace runner = pgsafe::runner;

namespace {

// Where pgbouncer is (Debian puts it in /usr/sbin, which a user's PATH may
// lack), or "" when it is not installed.
std::string pgbouncer_binary() {
    if (std::system("test -x /usr/sbin/pgbouncer") == 0) return "/usr/sbin/pgbouncer";
    if (std::system("command -v pgbouncer > /dev/null 2>&1") == 0) return "pgbouncer";
    return "";
}

// PgBouncer (`binary`) in `mode` (session, transaction, statement) in front of the
// server of `admin_dsn`, on a port of its own; stopped by the destructor.
class Pooler {
public:
    Pooler(const std::string& binary, const std::string& admin_dsn, const std::string& mode)
        : m_user(value(admin_dsn, "SELECT current_user")) {
        std::string server = value(
            admin_dsn, "SELECT format('host=%s port=%s', host(inet_server_addr()), inet_server_port())");
        m_dir.write("users.txt", fmt::format("\"{}\" \"\"\n", m_user));
        pgsafe::test::give_to_server_user(m_dir.path());
        for (int attempt = 0; attempt < 5 && !m_ok; ++attempt) {  // a port taken meanwhile: another one
            m_port = pgsafe::test::free_port();
            std::string ini = m_dir.write(
                "pgbouncer.ini",
                fmt::format("[databases]\n* = {}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {}\n"
                            "unix_socket_dir =\nauth_type = trust\nauth_file = {}/users.txt\npool_mode = {}\n"
                            "default_pool_size = 5\nlogfile = {}/pgbouncer.log\npidfile = {}/pgbouncer.pid\n",
                            server, m_port, m_dir.path(), mode, m_dir.path(), m_dir.path()));
            pgsafe::test::give_to_server_user(m_dir.path());
            m_ok = pgsafe::test::shell_as_server_user(fmt::format("{} -d {}", binary, ini)) == 0 &&
                   pgsafe::test::eventually(
                       [&] {
                           pqxx::connection c(dsn("postgres"));
                           return true;
                       },
                       std::chrono::seconds(5));
        }
    }
    ~Pooler() {
        pgsafe::test::shell_as_server_user(
            fmt::format("test -f {0}/pgbouncer.pid && kill $(cat {0}/pgbouncer.pid)", m_dir.path()));
    }
    Pooler(const Pooler&) = delete;
    Pooler& operator=(const Pooler&) = delete;

    bool ok() const { return m_ok; }
    std::string dsn(const std::string& database) const {
        return fmt::format("postgresql://{}@127.0.0.1:{}/{}", m_user, m_port, database);
    }
    std::string log() const {
        std::ifstream in(m_dir.path() + "/pgbouncer.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

private:
    TempDir m_dir;
    std::string m_user;
    int m_port = 0;
    bool m_ok = false;
};

// A Pooler, or nullptr when the test is skipped: no pgbouncer outside CI (a
// warning says so); in CI, where scripts/setup installs it, a failure.
std::unique_ptr<Pooler> pooler(const std::string& admin_dsn, const std::string& mode) {
    std::string binary = pgbouncer_binary();
    if (binary.empty()) {
        if (std::getenv("CI") != nullptr) FAIL("pgbouncer is not installed (scripts/setup installs it)");
        WARN("pgbouncer is not installed (scripts/setup installs it): the pooler tests are skipped");
        return nullptr;
    }
    auto pool = std::make_unique<Pooler>(binary, admin_dsn, mode);
    INFO(pool->log());
    REQUIRE(pool->ok());
    return pool;
}

// The advisory locks held in `database` (pgsafe's or anyone's).
std::string advisory_locks(const pgsafe::test::ScratchDatabase& db) {
    return value(db.admin_dsn(),
                 fmt::format("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                             "(SELECT oid FROM pg_database WHERE datname = '{}')",
                             db.name()));
}

}  // namespace

TEST_CASE("through a pooler in transaction or statement mode, pgsafe refuses before it takes the runner lock",
          "[db][pooler]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    std::string mode = GENERATE(std::string("transaction"), std::string("statement"));
    INFO("pool_mode = " << mode);
    auto pool = pooler(db->admin_dsn(), mode);
    if (!pool) return;
    TempDir dir;
    dir.write("m/V1__t.sql", "CREATE TABLE t (id int);\n");

    auto migrate = run_pgsafe({"--db", pool->dsn(db->name()), "migrate", dir.path() + "/m"});
    INFO(migrate.err);
    CHECK(migrate.exit_code == 2);  // a configuration error: the connection string
    CHECK_THAT(migrate.err, Contains("a pooler in transaction (or statement) mode"));
    CHECK_THAT(migrate.err, Contains("pool_mode = session"));
    CHECK(value(db->dsn(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgsafe'") == "0");
    CHECK(value(db->dsn(), "SELECT to_regclass('t') IS NULL") == "t");
    CHECK(advisory_locks(*db) == "0");  // no runner lock left on a process of the pool

    auto init = run_pgsafe({"--db", pool->dsn(db->name()), "init", "--env", "development"});
    INFO(init.err);
    CHECK(init.exit_code == 2);
    CHECK_THAT(init.err, Contains("a pooler in transaction (or statement) mode"));
    CHECK(value(db->dsn(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgsafe'") == "0");
    CHECK(advisory_locks(*db) == "0");
}

TEST_CASE("the sessions' probe finds a transaction pool when each session connected to a process of its own",
          "[db][pooler]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    auto pool = pooler(db->admin_dsn(), "transaction");
    if (!pool) return;
    pgsafe::db::Connection lock_session(pool->dsn(db->name()));
    // A transaction held open elsewhere keeps the lock session's process, so
    // the work session connects to another: the pids alone tell nothing.
    pqxx::connection other(pool->dsn(db->name()));
    auto holding = std::make_unique<pqxx::work>(other);
    holding->exec("SELECT 1");
    pgsafe::db::Connection work_session(pool->dsn(db->name()));
    holding->commit();
    REQUIRE(lock_session.backend_pid() != work_session.backend_pid());
    CHECK(lock_session.through_pooler());
    CHECK_THROWS_WITH(
        runner::require_sessions_of_their_own(lock_session, work_session),
        Contains("a pooler in transaction (or statement) mode") && Contains("ran on server process"));
}

TEST_CASE(
    "a runner lock another client of a transaction pool left on its process is refused, not taken again",
    "[db][pooler]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    auto pool = pooler(db->admin_dsn(), "transaction");
    if (!pool) return;
    {
        pqxx::connection other(pool->dsn(db->name()));
        pqxx::nontransaction(other).exec(
            fmt::format("SELECT pg_advisory_lock({})", runner::k_runner_lock_key));
    }  // the lock stays on the process, which the pool hands to the next client
    pgsafe::db::Connection session(pool->dsn(db->name()));
    runner::InterruptWatch interrupt;
    try {
        runner::RunnerLock lock(std::move(session), std::chrono::seconds(1), interrupt);
        FAIL("the runner lock was taken through a transaction pool");
    } catch (const pgsafe::Error& e) {
        CHECK(e.kind() == pgsafe::ErrorKind::Usage);
        CHECK_THAT(std::string(e.what()), Contains("already held the runner lock"));
    }
}

TEST_CASE("through a pooler in session mode, migrate and init run as they do directly", "[db][pooler]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    auto pool = pooler(db->admin_dsn(), "session");
    if (!pool) return;

    pgsafe::db::Connection a(pool->dsn(db->name()));
    pgsafe::db::Connection b(pool->dsn(db->name()));
    CHECK(a.through_pooler());
    // The server's process, not the id PgBouncer showed the client: the lock checks look it up.
    CHECK(value(db->admin_dsn(),
                fmt::format("SELECT count(*) FROM pg_stat_activity WHERE pid = {}", a.backend_pid())) == "1");
    CHECK_NOTHROW(runner::require_sessions_of_their_own(a, b));

    TempDir dir;
    dir.write("m/V1__t.sql", "CREATE TABLE t (id int);\n");
    auto migrate = run_pgsafe({"--db", pool->dsn(db->name()), "migrate", dir.path() + "/m"});
    INFO(migrate.err);
    CHECK(migrate.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT state FROM pgsafe.migrations WHERE version = '1'") == "applied");
    // init's runner-lock check looked for PgBouncer's id among the server's
    // processes and stopped with "lost the runner lock" before.
    auto init = run_pgsafe({"--db", pool->dsn(db->name()), "init", "--env", "development"});
    INFO(init.err);
    CHECK(init.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT name FROM pgsafe.environment") == "development");
}

TEST_CASE("direct sessions pass the check: each is a server process of its own", "[db][pooler]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    pgsafe::db::Connection a(db->dsn());
    pgsafe::db::Connection b(db->dsn());
    CHECK_FALSE(a.through_pooler());
    CHECK(a.backend_pid() != b.backend_pid());
    CHECK_NOTHROW(runner::require_sessions_of_their_own(a, b));
}
