// A resume runs in a new session, so it must not run a step without the
// session state that step depends on (issue 11, lemmy's comment_ltrees):
// after kill -9, a resume that needs a temporary table a completed step
// created is refused with the reason, before anything runs; the
// session-level settings completed steps made (SET search_path) are applied
// again, so the remaining steps run as in an uninterrupted run.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <csignal>

using nlohmann::json;
using pgsafe::test::eventually;
using pgsafe::test::exec;
using pgsafe::test::RunningPgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::state_of;
using pgsafe::test::value;

namespace {

using Project = pgsafe::test::MigrateProject;

// Kills the runner (SIGKILL) while its step `UPDATE held …` waits for the row a
// writer holds, so the steps before it are applied and recorded, and waits
// until no pgsafe session is left.
void kill_while_update_waits(const ScratchDatabase& db, const Project& p) {
    pqxx::connection writer(db.dsn());
    pqxx::work hold(writer);
    hold.exec("SELECT * FROM held WHERE id = 1 FOR UPDATE");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(db));
    REQUIRE(eventually([&] { return runner.err_so_far().find("UPDATE held") != std::string::npos; }));
    runner.signal(SIGKILL);
    CHECK(runner.wait().exit_code == 128 + SIGKILL);
    exec(db.admin_dsn(),
         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'pgsafe%' "
         "AND datname = '" +
             db.name() + "'");
    hold.abort();
    REQUIRE(eventually([&] {
        return value(db.dsn(),
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pgsafe%' "
                     "AND datname = current_database()") == "0";
    }));
}

const char* k_tables =
    "CREATE TABLE audit (v text); CREATE TABLE held (id int PRIMARY KEY, v int NOT NULL);"
    "INSERT INTO held VALUES (1, 0);";

}  // namespace

TEST_CASE("a resume after kill -9 that needs a temporary table a completed step created is refused",
          "[db][migrate][fault][session]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_tables);
    Project p;
    p.add("V1__temp.sql",
          "CREATE TEMPORARY TABLE picked AS SELECT 'kept'::text AS v;\n"
          "UPDATE held SET v = v + 1 WHERE id = 1;\n"
          "INSERT INTO audit SELECT v FROM picked;\n"
          "DROP TABLE picked;\n");
    kill_while_update_waits(*db, p);
    REQUIRE(state_of(*db, "1") == "running");

    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 5);
    json out = json::parse(r.out);
    CHECK(out["status"] == "refused");
    std::string message = out["error"]["message"].get<std::string>();
    CHECK(message.find("migration 1 cannot be resumed at step 2") != std::string::npos);
    CHECK(message.find("temporary table \"picked\", created by step 1") != std::string::npos);
    CHECK(message.find("nothing of it ran") != std::string::npos);
    // Nothing ran: the UPDATE did not, and the INSERT did not fail on a missing table.
    CHECK(value(db->dsn(), "SELECT v FROM held") == "0");
    CHECK(value(db->dsn(), "SELECT count(*) FROM audit") == "0");
    CHECK(state_of(*db, "1") == "running");
    CHECK(value(db->dsn(),
                "SELECT count(*) FROM pgsafe.events WHERE kind = 'refused' "
                "AND detail->>'code' = 'session-state-lost'") == "1");
}

TEST_CASE("a resume after kill -9 runs the remaining steps under the completed steps' SET search_path",
          "[db][migrate][fault][session]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), std::string(k_tables) + "CREATE SCHEMA app;");
    Project p;
    p.add("V1__path.sql",
          "SET search_path = app, public;\n"
          "UPDATE held SET v = v + 1 WHERE id = 1;\n"
          "CREATE TABLE made_here (id int);\n");
    kill_while_update_waits(*db, p);
    REQUIRE(state_of(*db, "1") == "running");

    auto r = p.migrate(*db);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT v FROM held") == "1");
    // Where an uninterrupted run (and psql -f) creates it.
    CHECK(value(db->dsn(), "SELECT to_regclass('app.made_here') IS NOT NULL") == "t");
    CHECK(value(db->dsn(), "SELECT to_regclass('public.made_here') IS NULL") == "t");
    CHECK(state_of(*db, "1") == "applied");
}

TEST_CASE("a failed migration resumed in a new run gets its completed steps' settings back",
          "[db][migrate][session]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "CREATE TABLE gate (v int); CREATE SCHEMA app;");
    Project p;
    p.add("V1__path.sql",
          "SET search_path = app, public;\n"
          "SELECT 1 / (SELECT count(*) FROM public.gate);\n"
          "CREATE TABLE made_here (id int);\n");
    REQUIRE(p.migrate(*db).exit_code == 4);
    REQUIRE(state_of(*db, "1") == "failed");
    exec(db->dsn(), "INSERT INTO gate VALUES (1)");
    auto r = p.migrate(*db);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT to_regclass('app.made_here') IS NOT NULL") == "t");
    CHECK(value(db->dsn(), "SELECT to_regclass('public.made_here') IS NULL") == "t");
}

TEST_CASE("each migration of a run starts from a fresh session, as psql -f gives each file one",
          "[db][migrate][session]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "CREATE SCHEMA app;");
    Project p;
    p.add("V1__path.sql",
          "SET search_path = app, public;\n"
          "CREATE TABLE in_app (id int);\n"
          "CREATE TEMP TABLE scratch (id int);\n");
    // V2 alone could go to the server in one message with others (run_group, migration_batches.cpp): it
    // must still start from the reset session.
    p.add("V2__next.sql", "CREATE TABLE in_public (id int);\n");
    p.add("V3__temp.sql", "CREATE TEMP TABLE scratch (id int);\n");  // 42P07 if V1's were still there
    auto r = p.migrate(*db);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT to_regclass('app.in_app') IS NOT NULL") == "t");
    // Where `psql -f V2` and a rerun after a kill between the files create it: the same in every case.
    CHECK(value(db->dsn(), "SELECT to_regclass('public.in_public') IS NOT NULL") == "t");
    CHECK(state_of(*db, "3") == "applied");
}
