// The sessions pgsafe names when a step cannot get its lock (runner/blockers.cpp)
// on a table whose schema's name holds a dot: the step's record spells the
// table "a.b.c", which split at its first dot names another relation.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <string>

using pgsafe::test::exec;
using pgsafe::test::MigrateProject;
using pgsafe::test::ProcessResult;

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
