#pragma once
// A real PostgreSQL for the db and cli tiers. scripts/test starts a scratch
// server (pgsafe's db::ScratchServer, through scripts/pg-scratch) and exports
// its URL as PGSAFE_TEST_DSN; each test then works in a fresh database of its
// own (its URL from db::conninfo_with_database), dropped when the test ends:
//
//     auto db = pgsafe::test::scratch_database();
//     if (!db) return;  // skipped (with a warning) outside CI
//     pqxx::connection conn(db->dsn());

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace pgsafe::test {

// PGSAFE_TEST_DSN. When it is unset: in CI (env CI set) the test FAILs, since
// db tests never skip silently there; elsewhere a Catch2 WARN says why and
// the result is nullopt, so the caller returns early.
std::optional<std::string> admin_dsn();

// A uniquely named database (pgsafe_test_<pid>_<n>) created on the admin
// server, dropped WITH (FORCE) by the destructor.
class ScratchDatabase {
public:
    explicit ScratchDatabase(std::string admin_dsn);
    ~ScratchDatabase();
    ScratchDatabase(ScratchDatabase&& other) noexcept;
    ScratchDatabase& operator=(ScratchDatabase&&) = delete;
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    const std::string& name() const { return m_name; }
    const std::string& dsn() const { return m_dsn; }
    const std::string& admin_dsn() const { return m_admin_dsn; }

private:
    std::string m_admin_dsn;
    std::string m_name;
    std::string m_dsn;
};

// A ScratchDatabase on PGSAFE_TEST_DSN, or nullopt when the test is skipped
// (see admin_dsn()).
std::optional<ScratchDatabase> scratch_database();

// Runs sql (one or more statements, outside a transaction block) on dsn.
void exec(const std::string& dsn, const std::string& sql);

// The first column of sql's first row on dsn; "" for no row or NULL.
std::string value(const std::string& dsn, const std::string& sql);

// `dsn` (a URL or key=value pairs) logged in as `role` instead: the scratch
// server trusts local connections.
std::string as_role(const std::string& dsn, const std::string& role);

// Whether pred() becomes true within `timeout`, asked every 50 ms. An
// exception (the tracking tables not there yet, a server restarting) counts
// as not yet.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The state pgsafe.migrations records for `version`, "" when it has no row.
std::string state_of(const ScratchDatabase& db, const std::string& version);

}  // namespace pgsafe::test
