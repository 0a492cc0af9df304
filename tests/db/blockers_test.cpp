// The sessions pgsafe names when a step cannot get its lock (runner/blockers.cpp):
// on a table whose schema's name holds a dot (the step's record spells the
// table "a.b.c", which split at its first dot names another relation), and
// not a session in another database on a relation with the same oid.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include "pgsafe/db/conninfo.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <iostream>
#include <string>

using pgsafe::test::exec;
using pgsafe::test::MigrateProject;
using pgsafe::test::ProcessResult;
using pgsafe::test::ScratchDatabase;

namespace {

// A copy of a scratch database (CREATE DATABASE ... TEMPLATE), dropped WITH
// (FORCE) by the destructor as ScratchDatabase drops its own, whether or not
// the test's checks passed.
class DatabaseCopy {
public:
    explicit DatabaseCopy(const ScratchDatabase& original)
        : m_admin_dsn(original.admin_dsn()),
          m_name(original.name() + "_copy"),
          m_dsn(pgsafe::db::conninfo_with_database(m_admin_dsn, m_name)) {
        // Dropped first, as ScratchDatabase does: a crashed earlier process
        // with the same pid may have left it. Two calls: CREATE DATABASE
        // cannot run in the implicit transaction of a multi-statement query.
        exec(m_admin_dsn, drop());
        exec(m_admin_dsn, "CREATE DATABASE \"" + m_name + "\" TEMPLATE \"" + original.name() + "\"");
    }
    ~DatabaseCopy() {
        try {
            exec(m_admin_dsn, drop());
        } catch (const std::exception& e) {
            std::cerr << "warning: could not drop test database " << m_name << ": " << e.what() << "\n";
        }
    }
    DatabaseCopy(const DatabaseCopy&) = delete;
    DatabaseCopy& operator=(const DatabaseCopy&) = delete;
    const std::string& dsn() const { return m_dsn; }

private:
    std::string drop() const { return "DROP DATABASE IF EXISTS \"" + m_name + "\" WITH (FORCE)"; }
    std::string m_admin_dsn;
    std::string m_name;
    std::string m_dsn;
};

}  // namespace

TEST_CASE("a lock held on a table in a schema whose name has a dot: the session holding it is named",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), R"sql(CREATE SCHEMA "a.b"; CREATE TABLE "a.b".c (id bigint PRIMARY KEY);)sql");
    MigrateProject p("[retry]\ndeadline_s = 2\n");
    p.add("V1__note.sql", "ALTER TABLE \"a.b\".c ADD COLUMN note text;\n");
    pqxx::connection holder(db->dsn());
    pqxx::work tx(holder);
    tx.exec(R"sql(SELECT count(*) FROM "a.b".c)sql");

    ProcessResult r = p.migrate(*db);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("pid " + std::to_string(holder.backendpid()) + " (role ") != std::string::npos);
    CHECK(r.err.find("no session holds a conflicting lock") == std::string::npos);
}

TEST_CASE("a lock held in another database on a relation with the same oid: its session is not named",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "CREATE TABLE t (id bigint PRIMARY KEY)");
    // A copy made from it as TEMPLATE: its t has the very same oid (made
    // before any session opens on the original, which the copy requires).
    DatabaseCopy copy(*db);
    REQUIRE(pgsafe::test::value(copy.dsn(), "SELECT 't'::regclass::oid") ==
            pgsafe::test::value(db->dsn(), "SELECT 't'::regclass::oid"));
    MigrateProject p("[retry]\ndeadline_s = 2\n");
    p.add("V1__note.sql", "ALTER TABLE t ADD COLUMN note text;\n");
    pqxx::connection elsewhere(copy.dsn());
    pqxx::work elsewhere_tx(elsewhere);
    elsewhere_tx.exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
    pqxx::connection holder(db->dsn());
    pqxx::work tx(holder);
    tx.exec("SELECT count(*) FROM t");

    ProcessResult r = p.migrate(*db);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("pid " + std::to_string(holder.backendpid()) + " (role ") != std::string::npos);
    CHECK(r.err.find("pid " + std::to_string(elsewhere.backendpid()) + " (") == std::string::npos);
}
