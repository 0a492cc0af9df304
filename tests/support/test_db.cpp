// Test databases: reads PGSAFE_TEST_DSN (never skipping silently in CI) and
// gives each test a fresh database, so db tests cannot see each other's
// tables and may run in parallel.

#include "test_db.hpp"

#include "pgsafe/db/conninfo.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <atomic>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <thread>

#include <unistd.h>

namespace pgsafe::test {

namespace {

bool env_set(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0';
}

std::string unique_database_name() {
    static std::atomic<unsigned> counter{0};
    return "pgsafe_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

// CREATE and DROP DATABASE cannot run inside a transaction block.
void run_outside_transaction(const std::string& dsn, std::initializer_list<std::string> statements) {
    pqxx::connection connection(dsn);
    pqxx::nontransaction work(connection);
    for (const auto& sql : statements) {
        work.exec0(sql);
    }
}

std::string drop_statement(const std::string& name) {
    return "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)";
}

}  // namespace

std::optional<std::string> admin_dsn() {
    if (env_set("PGSAFE_TEST_DSN")) {
        return std::string(std::getenv("PGSAFE_TEST_DSN"));
    }
    if (env_set("CI")) {
        FAIL("PGSAFE_TEST_DSN is not set: run the tests with scripts/test");
    }
    WARN("PGSAFE_TEST_DSN is not set: skipping this database test (run the tests with scripts/test)");
    return std::nullopt;
}

ScratchDatabase::ScratchDatabase(std::string admin_dsn)
    : m_admin_dsn(std::move(admin_dsn)),
      m_name(unique_database_name()),
      m_dsn(db::conninfo_with_database(m_admin_dsn, m_name)) {
    // Dropped first: a crashed earlier process with the same pid may have left it.
    run_outside_transaction(m_admin_dsn, {drop_statement(m_name), "CREATE DATABASE \"" + m_name + "\""});
}

ScratchDatabase::ScratchDatabase(ScratchDatabase&& other) noexcept
    : m_admin_dsn(std::move(other.m_admin_dsn)),
      m_name(std::move(other.m_name)),
      m_dsn(std::move(other.m_dsn)) {
    other.m_name.clear();
}

ScratchDatabase::~ScratchDatabase() {
    if (m_name.empty()) {
        return;  // moved from
    }
    try {
        run_outside_transaction(m_admin_dsn, {drop_statement(m_name)});
    } catch (const std::exception& error) {
        std::cerr << "warning: could not drop test database " << m_name << ": " << error.what() << "\n";
    }
}

std::optional<ScratchDatabase> scratch_database() {
    auto dsn = admin_dsn();
    if (!dsn) {
        return std::nullopt;
    }
    return std::optional<ScratchDatabase>(std::in_place, *dsn);
}

void exec(const std::string& dsn, const std::string& sql) {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    n.exec(sql);
}

std::string value(const std::string& dsn, const std::string& sql) {
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    auto r = n.exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].c_str();
}

std::string as_role(const std::string& dsn, const std::string& role) {
    bool url = dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
    if (!url) return dsn + " user=" + role;
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "user=" + role;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    auto holds = [&] {
        try {
            return pred();
        } catch (const std::exception&) {
            return false;
        }
    };
    while (std::chrono::steady_clock::now() < until) {
        if (holds()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return holds();
}

std::string state_of(const ScratchDatabase& db, const std::string& version) {
    return value(db.dsn(), "SELECT state FROM pgsafe.migrations WHERE version = '" + version + "'");
}

}  // namespace pgsafe::test
