// The throwaway server in the product (db::ScratchServer, which
// scripts/pg-scratch wraps and `pgsafe trace` will start): it starts, takes
// connections, and leaves no directory and no process behind, whether it is
// stopped, fails to start, or is interrupted. And the scratch server that
// scripts/test starts works, each test getting a database of its own that is
// gone afterwards: the ground every db test stands on.

#include "process.hpp"
#include "test_db.hpp"

#include "pgsafe/db/scratch_server.hpp"
#include "pgsafe/error.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace fs = std::filesystem;
using pgsafe::db::ScratchServer;

namespace {

// Processes whose command line names `text` (a server's directory).
int processes_mentioning(const std::string& text) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmdline.find(text) != std::string::npos) ++count;
    }
    return count;
}

bool process_gone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Sets an environment variable for one test, restoring it afterwards.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : m_name(name) {
        if (const char* old = std::getenv(name)) m_old = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (m_old) {
            ::setenv(m_name, m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

// A bin directory with the real initdb and a `postgres` script of our own, so
// a test can make the server misbehave. Readable by the postgres user, which
// runs it when the tests run as root.
std::string fake_bindir(const pgsafe::test::TempDir& dir, const std::string& postgres_script) {
    std::string bindir = dir.path() + "/bin";
    fs::create_directories(bindir);
    fs::create_symlink(pgsafe::db::find_server_bindir() / "initdb", bindir + "/initdb");
    std::string postgres = dir.write("bin/postgres", "#!/bin/bash\n" + postgres_script + "\n");
    ::chmod(dir.path().c_str(), 0755);
    ::chmod(bindir.c_str(), 0755);
    ::chmod(postgres.c_str(), 0755);
    return bindir;
}

int database_count(const std::string& admin_dsn, const std::string& name) {
    pqxx::connection connection(admin_dsn);
    pqxx::work work(connection);
    return work.exec1("SELECT count(*) FROM pg_database WHERE datname = " + work.quote(name))[0].as<int>();
}

}  // namespace

TEST_CASE("the test server is PostgreSQL 15 and answers queries", "[db]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) {
        return;
    }
    pqxx::connection connection(*admin);
    pqxx::work work(connection);
    CHECK(work.exec1("SELECT current_setting('server_version_num')::int / 10000")[0].as<int>() == 15);
    CHECK(work.exec1("SELECT 6 * 7")[0].as<int>() == 42);
}

TEST_CASE("a scratch database is created, holds data, and is dropped", "[db]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) {
        return;
    }
    std::string name;
    std::optional<pqxx::connection> left_open;  // outlives the database: the drop must not wait for it
    {
        pgsafe::test::ScratchDatabase db(*admin);
        name = db.name();
        CHECK_THAT(name, Catch::StartsWith("pgsafe_test_"));
        CHECK(database_count(*admin, name) == 1);

        pqxx::work work(left_open.emplace(db.dsn()));
        CHECK(work.exec1("SELECT current_database()")[0].as<std::string>() == name);
        work.exec0("CREATE TABLE measurements (id bigint PRIMARY KEY, value double precision NOT NULL)");
        work.exec0("INSERT INTO measurements SELECT g, g * 0.5 FROM generate_series(1, 100) g");
        CHECK(work.exec1("SELECT count(*), sum(value) FROM measurements")[0].as<int>() == 100);
        CHECK(work.exec1("SELECT sum(value) FROM measurements")[0].as<double>() == Approx(2525.0));
        work.commit();
    }
    CHECK(database_count(*admin, name) == 0);
}

TEST_CASE("scratch databases are separate", "[db]") {
    auto first = pgsafe::test::scratch_database();
    if (!first) {
        return;
    }
    auto second = pgsafe::test::scratch_database();
    REQUIRE(second);
    CHECK(first->name() != second->name());

    pqxx::connection one(first->dsn());
    pqxx::nontransaction(one).exec0("CREATE TABLE only_in_first (id int)");
    pqxx::connection two(second->dsn());
    pqxx::nontransaction work(two);
    CHECK(work.exec1("SELECT count(*) FROM pg_class WHERE relname = 'only_in_first'")[0].as<int>() == 0);
}

TEST_CASE("a scratch server starts, takes connections, and leaves nothing behind when stopped",
          "[db][scratch]") {
    ScratchServer server;
    fs::path directory = server.directory();
    pid_t pid = server.pid();
    CHECK(fs::is_directory(directory / "data"));
    CHECK_THAT(server.url(), Catch::StartsWith("postgresql://postgres@127.0.0.1:"));
    CHECK(server.accepts_connections());
    {
        pqxx::connection connection(server.url());
        pqxx::work work(connection);
        CHECK(work.exec1("SELECT current_setting('server_version_num')::int / 10000")[0].as<int>() == 15);
        CHECK(work.exec1("SELECT current_setting('fsync')")[0].as<std::string>() == "off");
    }
    {
        pqxx::connection admin(server.url());
        pqxx::nontransaction(admin).exec0("CREATE DATABASE not_in_a_transaction_block");
    }
    {
        // url(database) names another database on the same server.
        pqxx::connection other(server.url("not_in_a_transaction_block"));
        CHECK(pqxx::nontransaction(other).exec1("SELECT current_database()")[0].as<std::string>() ==
              "not_in_a_transaction_block");
    }

    std::string url = server.url();
    server.stop();
    CHECK_FALSE(fs::exists(directory));
    CHECK(process_gone(pid));
    CHECK(processes_mentioning(directory.string()) == 0);
    CHECK_THROWS_AS(pqxx::connection(url), pqxx::broken_connection);
    server.stop();  // a second stop does nothing
}

TEST_CASE("a scratch server is stopped and removed when it goes out of scope, open sessions or not",
          "[db][scratch]") {
    fs::path directory;
    pid_t pid = 0;
    std::optional<pqxx::connection> left_open;
    {
        ScratchServer server;
        directory = server.directory();
        pid = server.pid();
        left_open.emplace(server.url());
        pqxx::nontransaction(*left_open).exec0("CREATE TABLE t (id int)");
    }
    CHECK_FALSE(fs::exists(directory));
    CHECK(process_gone(pid));
    CHECK(processes_mentioning(directory.string()) == 0);
}

TEST_CASE("a detached scratch server keeps running until another owner stops it", "[db][scratch]") {
    pgsafe::test::TempDir tmp;
    ScratchServer::Options options;
    options.directory = tmp.path() + "/pg";
    options.lifetime = ScratchServer::Lifetime::Detachable;
    fs::path recorded;
    options.on_directory = [&recorded](const fs::path& directory) { recorded = directory; };
    ScratchServer server(options);
    CHECK(recorded == fs::canonical(tmp.path() + "/pg"));
    std::string url = server.url();
    fs::path directory = server.detach();
    CHECK(server.directory().empty());
    CHECK(ScratchServer::is_scratch_directory(directory));

    ScratchServer adopted = ScratchServer::adopt(directory);
    CHECK(adopted.url() == url);
    CHECK(adopted.accepts_connections());
    pid_t pid = adopted.pid();
    adopted.stop();
    CHECK_FALSE(fs::exists(directory));
    CHECK(process_gone(pid));

    CHECK_THROWS_AS(ScratchServer::adopt(tmp.path()), pgsafe::Error);  // not a scratch server's directory
}

TEST_CASE("a scratch server that fails to start leaves no directory and says why", "[db][scratch]") {
    pgsafe::test::TempDir tmp;
    ScopedEnv bindir("PGSAFE_PG_BINDIR", fake_bindir(tmp, "echo 'FATAL:  broken on purpose' >&2\nexit 1"));
    ScratchServer::Options options;
    options.directory = tmp.path() + "/pg";
    try {
        ScratchServer server(options);
        FAIL("the server started");
    } catch (const pgsafe::Error& e) {
        CHECK(e.kind() == pgsafe::ErrorKind::Database);
        CHECK_THAT(e.what(), Catch::Contains("did not start") && Catch::Contains("broken on purpose"));
    }
    CHECK_FALSE(fs::exists(tmp.path() + "/pg"));
}

TEST_CASE("without PostgreSQL's server programs the error names the package to install", "[db][scratch]") {
    pgsafe::test::TempDir tmp;
    ScopedEnv bindir("PGSAFE_PG_BINDIR", tmp.path());
    ScratchServer::Options options;
    options.directory = tmp.path() + "/pg";
    try {
        ScratchServer server(options);
        FAIL("the server started");
    } catch (const pgsafe::Error& e) {
        CHECK(e.kind() == pgsafe::ErrorKind::Usage);
        CHECK_THAT(e.what(), Catch::Contains("postgresql-15") && Catch::Contains(tmp.path()));
    }
    CHECK_FALSE(fs::exists(tmp.path() + "/pg"));
}

// What a start stopped by `interrupted` must leave: nothing.
static void check_interrupted_start(ScratchServer::Options options) {
    fs::path directory = options.directory;
    try {
        ScratchServer server(std::move(options));
        FAIL("the start was not interrupted");
    } catch (const pgsafe::Error& e) {
        CHECK(e.kind() == pgsafe::ErrorKind::Interrupted);
    }
    CHECK_FALSE(fs::exists(directory));
    CHECK(processes_mentioning(directory.string()) == 0);
}

TEST_CASE("an interrupted start leaves no directory and no process", "[db][scratch]") {
    pgsafe::test::TempDir tmp;
    fs::path directory = tmp.path() + "/pg";
    ScratchServer::Options options;
    options.directory = directory;
    SECTION("during initdb") {
        options.interrupted = [&directory] { return fs::exists(directory / "data"); };
        check_interrupted_start(options);
    }
    SECTION("while the server starts") {
        options.interrupted = [&directory] { return fs::exists(directory / "server.log"); };
        check_interrupted_start(options);
    }
    SECTION("while a server that never answers is awaited") {
        ScopedEnv bindir("PGSAFE_PG_BINDIR", fake_bindir(tmp, "exec -a \"hanging-postgres $*\" sleep 60"));
        int polls = 0;
        options.interrupted = [&directory, &polls] {
            return fs::exists(directory / "server.log") && ++polls > 20;
        };
        check_interrupted_start(options);
    }
}
