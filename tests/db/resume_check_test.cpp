// A resumed migration runs only steps the planner makes of its file (issue
// 12, item 7): a step row changed in pgsafe.steps after a failure or a
// crash is refused before anything runs, while a legitimate resume, after
// the table grew or after a file planned before it in the same run, still
// runs the steps that were planned.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

using nlohmann::json;
using pgsafe::test::eventually;
using pgsafe::test::exec;
using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::RunningPgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::state_of;
using pgsafe::test::TempDir;
using pgsafe::test::value;

namespace {

using namespace std::chrono_literals;

using Project = pgsafe::test::MigrateProject;

// The step's SQL fails (division by zero) until the table gate has a row.
const std::string k_gated = "INSERT INTO audit SELECT 'gated' WHERE 1 / (SELECT count(*) FROM gate) = 1;\n";

// The refusal a rerun reports, after checking it ran nothing.
std::string refused_message(const ProcessResult& r) {
    INFO(r.out << r.err);
    CHECK(r.exit_code == 5);
    json out = json::parse(r.out);
    CHECK(out["status"] == "refused");
    return out["error"]["message"].get<std::string>();
}

}  // namespace

TEST_CASE("a failed migration whose stored step SQL was changed is refused, and nothing runs",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE audit (v text); CREATE TABLE gate (v int); CREATE TABLE side_effect (v text);");
    Project p;
    p.add("V1__audit.sql", "INSERT INTO audit VALUES ('one');\n" + k_gated);
    REQUIRE(p.migrate(*db).exit_code == 4);
    REQUIRE(state_of(*db, "1") == "failed");

    // Whoever can write pgsafe.steps puts their own SQL in the failed step.
    exec(db->dsn(),
         "UPDATE pgsafe.steps SET sql = 'INSERT INTO side_effect VALUES (''pwned'')' "
         "WHERE version = '1' AND step = 2");
    exec(db->dsn(), "INSERT INTO gate VALUES (1)");
    std::string message = refused_message(p.migrate(*db, {"--format", "json"}));
    INFO(message);
    CHECK(message.find("migration 1") != std::string::npos);
    CHECK(message.find("stored step 2") != std::string::npos);
    CHECK(message.find("its SQL differs") != std::string::npos);
    CHECK(message.find("nothing of it ran") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM side_effect") == "0");
    CHECK(value(db->dsn(), "SELECT string_agg(v, ',') FROM audit") == "one");
    CHECK(state_of(*db, "1") == "failed");
    CHECK(value(db->dsn(),
                "SELECT count(*) FROM pgsafe.events WHERE kind = 'refused' "
                "AND detail->>'code' = 'stored-steps-changed'") == "1");

    // Without the digests and the record of how it was planned, it is planned against the
    // database as it is now: still not that SQL.
    exec(db->dsn(), "UPDATE pgsafe.migrations SET plan = plan #- '{steps,1,digest}' #- '{planned_with}'");
    message = refused_message(p.migrate(*db, {"--format", "json"}));
    CHECK(message.find("stored step 2") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM side_effect") == "0");

    // The planned step restored: the migration resumes and finishes.
    exec(db->dsn(),
         "UPDATE pgsafe.steps s SET sql = m.plan -> 'steps' -> 1 ->> 'sql' FROM pgsafe.migrations m "
         "WHERE m.version = s.version AND s.version = '1' AND s.step = 2");
    auto resumed = p.migrate(*db);
    INFO(resumed.out << resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT string_agg(v, ',' ORDER BY v) FROM audit") == "gated,one");
    CHECK(value(db->dsn(), "SELECT count(*) FROM side_effect") == "0");
}

TEST_CASE("a killed run whose stored step definition was changed is refused, and nothing runs",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE audit (v text); CREATE TABLE held (id int PRIMARY KEY, v int NOT NULL);"
         "INSERT INTO held VALUES (1, 0);");
    Project p;
    p.add("V1__held.sql", "INSERT INTO audit VALUES ('one');\nUPDATE held SET v = v + 1 WHERE id = 1;\n");
    {
        // A writer holds the row: step 2 waits in short tries until the runner is killed.
        pqxx::connection writer(db->dsn());
        pqxx::work hold(writer);
        hold.exec("SELECT * FROM held WHERE id = 1 FOR UPDATE");
        RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
        REQUIRE(eventually([&] { return runner.err_so_far().find("UPDATE held") != std::string::npos; }));
        runner.signal(SIGKILL);
        CHECK(runner.wait().exit_code == 128 + SIGKILL);
        exec(db->admin_dsn(),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'pgsafe%' "
             "AND datname = '" +
                 db->name() + "'");
        hold.abort();
    }
    REQUIRE(eventually([&] {
        return value(db->dsn(),
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'pgsafe%' "
                     "AND datname = current_database()") == "0";
    }));
    REQUIRE(state_of(*db, "1") == "running");

    // The SQL is left alone; the step would wait in the lock queue for ever.
    exec(db->dsn(),
         "UPDATE pgsafe.steps SET definition = jsonb_set(definition, '{lock_timeout_ms}', '0') "
         "WHERE version = '1' AND step = 2");
    std::string message = refused_message(p.migrate(*db, {"--format", "json"}));
    INFO(message);
    CHECK(message.find("stored step 2") != std::string::npos);
    CHECK(message.find("its lock timeout (stored 0 ms") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT v FROM held") == "0");
    CHECK(state_of(*db, "1") == "running");
}

TEST_CASE("a resume after the table grew and its index was built runs the steps planned when it started",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE audit (v text); CREATE TABLE gate (v int);"
         "CREATE TABLE t (id bigint PRIMARY KEY, code text); "
         "INSERT INTO t SELECT g, g::text FROM generate_series(1, 10) g; ANALYZE t;");
    Project p("[thresholds]\nlarge_table_rows = 1000\n");
    // Planned as CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX; then the gated step.
    p.add("V1__unique.sql", "ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE (code);\n" + k_gated);
    REQUIRE(p.migrate(*db).exit_code == 4);
    REQUIRE(value(db->dsn(), "SELECT string_agg(state, ',' ORDER BY step) FROM pgsafe.steps") ==
            "applied,applied,failed");

    // The table grew, and the index its first steps built is there now: planned today, the
    // statement would run as written (the index's name is taken), in fewer steps.
    exec(db->dsn(), "INSERT INTO t SELECT g, g::text FROM generate_series(11, 5000) g; ANALYZE t;");
    auto plan = run_pgsafe({"plan", p.migrations, "--db", db->dsn(), "--config", p.config});
    INFO(plan.out << plan.err);
    REQUIRE(plan.out.find("CREATE UNIQUE INDEX CONCURRENTLY") == std::string::npos);

    exec(db->dsn(), "INSERT INTO gate VALUES (1)");
    auto resumed = p.migrate(*db, {"--format", "json"});
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(json::parse(resumed.out)["applied"][0]["resumed"] == true);
    CHECK(value(db->dsn(), "SELECT v FROM audit") == "gated");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pg_constraint WHERE conname = 't_code_key'") == "1");
}

TEST_CASE("a resume plans again after the files planned before it in the same run", "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "CREATE TABLE audit (v text); CREATE TABLE gate (v int);");
    Project p;
    // In the run that starts them, n is new when V2 is planned: its index is built as written.
    // Planned against the database later, n exists with an unknown size, which counts as large.
    p.add("V1__table.sql", "CREATE TABLE n (id int, x int);\n");
    p.add("V2__index.sql", k_gated + "CREATE INDEX n_x ON n (x);\n");
    REQUIRE(p.migrate(*db).exit_code == 4);
    REQUIRE(state_of(*db, "1") == "applied");
    REQUIRE(value(db->dsn(), "SELECT sql FROM pgsafe.steps WHERE version = '2' AND step = 2") ==
            "CREATE INDEX n_x ON n (x)");

    exec(db->dsn(), "INSERT INTO gate VALUES (1)");
    auto resumed = p.migrate(*db);
    INFO(resumed.out << resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(state_of(*db, "2") == "applied");
}

TEST_CASE("an edited file of a failed migration is still planned anew, and a changed applied step refused",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "CREATE TABLE audit (v text); CREATE TABLE gate (v int);");
    Project p;
    p.add("V1__audit.sql", "INSERT INTO audit VALUES ('one');\n" + k_gated);
    REQUIRE(p.migrate(*db).exit_code == 4);
    p.add("V1__audit.sql", "INSERT INTO audit VALUES ('uno');\n" + k_gated);
    auto refused = p.migrate(*db, {"--format", "json"});
    CHECK(refused.exit_code == 5);
    CHECK(refused.out.find("after step 1 was applied") != std::string::npos);
    p.add("V1__audit.sql", "INSERT INTO audit VALUES ('one');\nINSERT INTO audit VALUES ('two');\n");
    auto fixed = p.migrate(*db);
    INFO(fixed.out << fixed.err);
    CHECK(fixed.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT string_agg(v, ',' ORDER BY v) FROM audit") == "one,two");
}
