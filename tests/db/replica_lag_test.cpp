// The batch loop's replica-lag throttle against a real streaming standby: a
// second PostgreSQL made with pg_basebackup from the test server, whose
// recovery_min_apply_delay makes it lag on demand. The backfill must pause
// while the standby lags, say why, and go on when it catches up.

#include "process.hpp"
#include "server_process.hpp"
#include "test_db.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <unistd.h>
#include <csignal>

using pgsafe::test::free_port;
using pgsafe::test::give_to_server_user;
using pgsafe::test::run_pgsafe;
using pgsafe::test::RunningPgsafe;
using pgsafe::test::shell_as_server_user;
using pgsafe::test::TempDir;
namespace fs = std::filesystem;

using pgsafe::test::eventually;
using pgsafe::test::state_of;
using pgsafe::test::value;

namespace {

using namespace std::chrono_literals;

std::string bindir() {
    const char* dir = std::getenv("PGSAFE_PG_BINDIR");
    return dir != nullptr ? dir : "/usr/lib/postgresql/15/bin";
}

// A hot standby of the test server, streaming from it, in a directory of its own.
class Standby {
public:
    Standby(const std::string& primary_dsn, int port) : m_port(port) {
        m_dir = fs::temp_directory_path() / fmt::format("pgsafe-standby-{}-{}", getpid(), port);
        fs::create_directories(m_dir);
        give_to_server_user(m_dir.string());
        fs::permissions(m_dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
        m_data = m_dir / "data";
        m_ok = shell_as_server_user(
                   fmt::format("{}/pg_basebackup -d '{}' -D {} -R -X stream -c fast > {}/basebackup.log 2>&1",
                               bindir(), primary_dsn, m_data.string(), m_dir.string())) == 0;
        if (!m_ok) return;
        set_delay("0");
        m_ok = shell_as_server_user(
                   fmt::format("{}/pg_ctl -D {} -l {}/standby.log -w -t 60 -o \"-p {} -c "
                               "listen_addresses=127.0.0.1 -c unix_socket_directories={} -c hot_standby=on\" "
                               "start > /dev/null 2>&1",
                               bindir(), m_data.string(), m_dir.string(), m_port, m_dir.string())) == 0;
    }
    ~Standby() {
        shell_as_server_user(
            fmt::format("{}/pg_ctl -D {} -m immediate -w stop > /dev/null 2>&1", bindir(), m_data.string()));
        std::error_code ignored;
        fs::remove_all(m_dir, ignored);
    }
    bool ok() const { return m_ok; }
    std::string log() const {
        std::ifstream in(m_dir / "standby.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    // recovery_min_apply_delay, applied by a reload.
    void set_delay(const std::string& delay) {
        shell_as_server_user(
            fmt::format("echo \"recovery_min_apply_delay = '{}'\" > {}/pgsafe_delay.conf && "
                        "grep -q pgsafe_delay {}/postgresql.conf || echo \"include_if_exists = "
                        "'pgsafe_delay.conf'\" >> {}/postgresql.conf",
                        delay, m_data.string(), m_data.string(), m_data.string()));
        if (fs::exists(m_data / "postmaster.pid"))
            shell_as_server_user(
                fmt::format("{}/pg_ctl -D {} reload > /dev/null 2>&1", bindir(), m_data.string()));
    }

private:
    int m_port;
    fs::path m_dir;
    fs::path m_data;
    bool m_ok = false;
};

}  // namespace

TEST_CASE("a backfill pauses while a streaming standby lags and goes on when it catches up",
          "[db][batches][replica]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    {
        pqxx::connection c(db->dsn());
        pqxx::nontransaction n(c);
        n.exec(
            "CREATE TABLE t (id bigint PRIMARY KEY, v int NOT NULL);"
            "INSERT INTO t SELECT g, g FROM generate_series(1, 20000) g; ANALYZE t;");
    }
    // Tests run in parallel and start servers of their own: a port taken
    // between choosing it and the standby's start is tried again.
    auto standby_ptr = std::make_unique<Standby>(db->admin_dsn(), free_port());
    for (int attempt = 1; attempt < 5 && !standby_ptr->ok() &&
                          standby_ptr->log().find("Address already in use") != std::string::npos;
         ++attempt) {
        standby_ptr.reset();
        standby_ptr = std::make_unique<Standby>(db->admin_dsn(), free_port());
    }
    Standby& standby = *standby_ptr;
    INFO(standby.log());
    REQUIRE(standby.ok());
    REQUIRE(eventually([&] {
        return value(db->dsn(), "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1";
    }));
    standby.set_delay("3s");

    TempDir dir;
    std::string migrations = dir.path() + "/migrations";
    fs::create_directories(migrations);
    std::string config = dir.write("pgsafe.toml",
                                   "[thresholds]\nlarge_table_rows = 500\n[run]\nbatch_pause_ms = 50\n"
                                   "batch_min = 100\nbatch_max = 100\nmax_replica_lag_ms = 500\n");
    dir.write("migrations/V1__token.sql", "ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();\n");
    RunningPgsafe runner(pgsafe::test::k_source_dir,
                         {"migrate", migrations, "--db", db->dsn(), "--config", config});
    bool paused =
        eventually([&] { return runner.err_so_far().find("paused: replica") != std::string::npos; }, 60s);
    std::string while_paused = value(db->dsn(), "SELECT count(*) FROM t WHERE token IS NULL");
    standby.set_delay("0");
    auto result = runner.wait();
    INFO(result.err);
    CHECK(paused);
    CHECK(while_paused != "0");  // it had not finished when it paused
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.find("the replicas caught up; going on") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE token IS NULL") == "0");
}
