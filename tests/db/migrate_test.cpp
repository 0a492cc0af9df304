// `pgsafe migrate` against a real PostgreSQL 15, as a deploy pipeline runs
// it: the built binary, its exit code and JSON, and the tracking tables and
// schema it leaves. The fault tests kill, terminate, interrupt and block the
// runner mid-step and check that a rerun completes and nothing is lost.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <thread>

using nlohmann::json;
using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::RunningPgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

using pgsafe::test::eventually;
using pgsafe::test::exec;
using pgsafe::test::state_of;
using pgsafe::test::value;

namespace {

using namespace std::chrono_literals;

// patients (1 k rows) and measurements (20 k rows), analyzed so pgsafe sees their sizes.
void seed(const std::string& dsn) {
    exec(dsn, R"sql(
CREATE TABLE patients (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 1000) g;
CREATE TABLE measurements (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id bigint NOT NULL, value float8 NOT NULL, taken_at timestamptz NOT NULL DEFAULT now());
INSERT INTO measurements (patient_id, value) SELECT g % 1000 + 1, g * 0.5 FROM generate_series(1, 20000) g;
ANALYZE;
)sql");
}

// The pid of the runner's work session while it runs a statement containing `text`.
std::string runner_backend(const std::string& dsn, const std::string& text) {
    return value(dsn,
                 "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgsafe migrate' "
                 "AND datname = current_database() AND query LIKE '%" +
                     text + "%' AND state = 'active' LIMIT 1");
}

using Project = pgsafe::test::MigrateProject;

// A reader's transaction left open on measurements: it holds ACCESS SHARE until release().
struct OpenReader {
    pqxx::connection connection;
    pqxx::work tx;
    explicit OpenReader(const std::string& dsn) : connection(dsn), tx(connection) {
        tx.exec("SELECT count(*) FROM measurements WHERE id = 1");
    }
    void release() { tx.commit(); }
};

// pgsafe migrate (JSON) in the background, once it says it waits for ACCESS EXCLUSIVE.
std::unique_ptr<RunningPgsafe> migrate_until_waiting(const Project& p, const ScratchDatabase& db) {
    auto runner =
        std::make_unique<RunningPgsafe>(pgsafe::test::k_source_dir, p.args(db, {"--format", "json"}));
    REQUIRE(eventually(
        [&] { return runner->err_so_far().find("waiting for ACCESS EXCLUSIVE") != std::string::npos; }));
    return runner;
}

json migrate_json(const ProcessResult& r) {
    INFO(r.out << r.err);
    return json::parse(r.out);
}

// What a user compares after two runs: columns, constraints (and whether
// validated), indexes (and whether valid), and row counts.
std::string schema_of(const std::string& dsn) {
    return value(dsn, R"sql(
SELECT concat_ws(E'\n',
  (SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable, ',' ORDER BY 1)
     FROM information_schema.columns WHERE table_schema = 'public'),
  (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated, ',' ORDER BY 1)
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
  (SELECT string_agg(indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid) || ' ' || indisvalid, ',' ORDER BY 1)
     FROM pg_index WHERE indrelid::regclass::text IN ('patients', 'measurements')),
  (SELECT count(*)::text FROM measurements))
)sql");
}

}  // namespace

TEST_CASE("migrate runs the plan's safe steps, records them, and a second run has nothing to do",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    Project p("[thresholds]\nlarge_table_rows = 1000\n");
    p.add("V1__fk.sql",
          "ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk\n"
          "    FOREIGN KEY (patient_id) REFERENCES patients (id);\n");
    p.add("V2__index.sql", "CREATE INDEX measurements_value_idx ON measurements (value);\n");

    auto r = p.migrate(*db, {"--format", "json"});
    REQUIRE(r.exit_code == 0);
    json out = migrate_json(r);
    CHECK(out["status"] == "ok");
    REQUIRE(out["applied"].size() == 2);
    CHECK(out["applied"][0]["steps"] == 2);  // NOT VALID, then VALIDATE
    CHECK(out["applied"][1]["steps"] == 1);  // CONCURRENTLY
    CHECK(out["error"].is_null());
    CHECK(value(db->dsn(),
                "SELECT convalidated FROM pg_constraint WHERE conname = 'measurements_patient_fk'") == "t");
    CHECK(value(db->dsn(),
                "SELECT indisvalid FROM pg_index WHERE indexrelid = 'measurements_value_idx'::regclass") ==
          "t");
    CHECK(
        value(db->dsn(),
              "SELECT string_agg(sql, ' | ' ORDER BY step) FROM pgsafe.steps WHERE version = '1'") ==
        "ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk FOREIGN KEY (patient_id) REFERENCES "
        "patients (id) NOT VALID | ALTER TABLE measurements VALIDATE CONSTRAINT measurements_patient_fk");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE state = 'applied'") == "2");
    CHECK(value(db->dsn(), "SELECT applied_by FROM pgsafe.migrations WHERE version = '1'") == "postgres");

    auto again = p.migrate(*db, {"--format", "json"});
    CHECK(again.exit_code == 0);
    CHECK(migrate_json(again)["applied"].empty());

    auto status = run_pgsafe({"status", p.migrations, "--db", db->dsn(), "--format", "json"});
    REQUIRE(status.exit_code == 0);
    json s = json::parse(status.out);
    CHECK(s["migrations"][0]["state"] == "applied");
    CHECK(s["migrations"][1]["steps_done"] == 1);
    CHECK(s["runner"].is_null());
}

TEST_CASE("default names a view or a domain's constraint holds end as psql names them, also on a rerun",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    // PostgreSQL numbers a default name a view holds (an index's) or a domain's constraint holds (a CHECK's).
    exec(db->dsn(),
         "CREATE VIEW measurements_value_idx AS SELECT 1 AS one;"
         "CREATE DOMAIN measurements_value AS float8 CHECK (VALUE > -1);");
    Project p("[thresholds]\nlarge_table_rows = 1000\n");
    p.add("V1__names.sql",
          "CREATE INDEX ON measurements (value);\n"
          "ALTER TABLE measurements ADD CHECK (value > -1);\n"
          "CREATE INDEX ON measurements (taken_at);\n"
          "INSERT INTO audit (what) VALUES ('names');\n");  // fails until audit exists

    auto failed = p.migrate(*db, {"--format", "json"});
    REQUIRE(failed.exit_code == 4);
    CHECK(value(db->dsn(), "SELECT state FROM pgsafe.migrations WHERE version = '1'") == "failed");
    // The rerun plans the file again from what its record kept, and must find the same steps.
    exec(db->dsn(), "CREATE TABLE audit (what text)");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(value(db->dsn(),
                "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM "
                "pg_index "
                "WHERE indrelid = 'measurements'::regclass") ==
          "measurements_pkey,measurements_taken_at_idx,measurements_value_idx1");
    CHECK(value(db->dsn(),
                "SELECT conname || ' ' || convalidated FROM pg_constraint "
                "WHERE conrelid = 'measurements'::regclass AND contype = 'c'") ==
          "measurements_value_check1 true");
    // Kept as written where the name is held; the free one still built CONCURRENTLY.
    std::string steps = value(db->dsn(), "SELECT string_agg(sql, ' | ' ORDER BY step) FROM pgsafe.steps");
    CHECK_THAT(steps, Catch::Contains("CREATE INDEX ON measurements (value)"));
    CHECK_THAT(steps, Catch::Contains("ALTER TABLE measurements ADD CHECK (value > -1)"));
    CHECK_THAT(steps, Catch::Contains("CREATE INDEX CONCURRENTLY measurements_taken_at_idx"));
}

TEST_CASE("status --exit-code is 1 while a migration is pending and 0 once all are applied",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__t.sql", "CREATE TABLE t (id int);\n");
    auto status = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {"status", p.migrations, "--db", db->dsn()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_pgsafe(args);
    };
    CHECK(status({}).exit_code == 0);  // without the flag, status only reports
    auto pending = status({"--exit-code"});
    INFO(pending.out << pending.err);
    CHECK(pending.exit_code == 1);
    CHECK(pending.out.find("pending") != std::string::npos);
    REQUIRE(p.migrate(*db).exit_code == 0);
    CHECK(status({"--exit-code"}).exit_code == 0);
}

TEST_CASE("--dry-run prints the steps and the tracking writes, and changes nothing", "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    Project p("[thresholds]\nlarge_table_rows = 1000\n");
    p.add("V1__index.sql", "CREATE INDEX measurements_value_idx ON measurements (value);\n");
    auto r = p.migrate(*db, {"--dry-run"});
    REQUIRE(r.exit_code == 0);
    CHECK(
        r.out.find("CREATE INDEX CONCURRENTLY measurements_value_idx ON measurements USING btree (value)") !=
        std::string::npos);
    CHECK(r.out.find("CREATE TABLE pgsafe.migrations") != std::string::npos);
    CHECK(r.out.find("INSERT INTO pgsafe.migrations") != std::string::npos);
    CHECK(r.out.find("SET lock_timeout = '60000ms'") != std::string::npos);
    // The runner's own code produced it: the read that looks for a half-built index comes first.
    auto check = r.out.find(
        "WHERE i.indrelid = pg_catalog.to_regclass('\"measurements\"')::pg_catalog.oid AND "
        "c.relname = 'measurements_value_idx'");
    REQUIRE(check != std::string::npos);
    CHECK(check < r.out.find("\nCREATE INDEX CONCURRENTLY measurements_value_idx"));
    CHECK(value(db->dsn(), "SELECT to_regclass('pgsafe.migrations')") == "");
    CHECK(value(db->dsn(), "SELECT to_regclass('measurements_value_idx')") == "");
}

TEST_CASE("kill -9 during CREATE INDEX CONCURRENTLY: the rerun drops the INVALID index and finishes",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    auto clean = pgsafe::test::scratch_database();
    if (!db || !clean) return;
    seed(db->dsn());
    seed(clean->dsn());
    Project p("[thresholds]\nlarge_table_rows = 1000\n");
    p.add("V1__index.sql", "CREATE INDEX measurements_value_idx ON measurements (value);\n");
    p.add("V2__after.sql", "ALTER TABLE measurements ADD COLUMN note text;\n");
    REQUIRE(p.migrate(*clean).exit_code == 0);

    // A writer's open transaction, which CONCURRENTLY must wait for, keeps the build in flight.
    pqxx::connection writer(db->dsn());
    pqxx::work hold(writer);
    hold.exec("INSERT INTO measurements (patient_id, value) VALUES (1, 1)");
    {
        RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
        REQUIRE(eventually([&] { return !runner_backend(db->dsn(), "CONCURRENTLY").empty(); }));
        std::string backend = runner_backend(db->dsn(), "CONCURRENTLY");
        // Progress names the phase and the transaction the build waits for.
        std::string waiting_for = "waiting for pid " + std::to_string(writer.backendpid());
        CHECK(eventually([&] { return runner.err_so_far().find(waiting_for) != std::string::npos; }));
        CHECK(runner.err_so_far().find("waiting for writers before build") != std::string::npos);
        runner.signal(SIGKILL);
        CHECK(runner.wait().exit_code == 128 + SIGKILL);
        // The server notices the lost client only when it next talks to it;
        // a host that crashed would be found by keepalives. End it the same way.
        exec(db->admin_dsn(), "SELECT pg_terminate_backend(" + backend + ")");
    }
    hold.abort();
    REQUIRE(eventually([&] {
        return value(db->dsn(),
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name "
                     "LIKE 'pgsafe%' AND datname = current_database()") == "0";
    }));
    CHECK(value(db->dsn(),
                "SELECT indisvalid FROM pg_index WHERE indexrelid = 'measurements_value_idx'::regclass") ==
          "f");
    CHECK(state_of(*db, "1") == "running");

    auto rerun = p.migrate(*db, {"--format", "json"});
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    json out = migrate_json(rerun);
    CHECK(out["applied"][0]["resumed"] == true);
    CHECK(rerun.err.find("dropping the INVALID index") != std::string::npos);
    CHECK(schema_of(db->dsn()) == schema_of(clean->dsn()));
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'index-cleanup'") == "1");
}

TEST_CASE("two runners started together apply each migration exactly once", "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    Project p;
    // Not idempotent: a second application would fail on the existing table.
    p.add("V1__slow.sql", "CREATE TABLE once (id int);\nSELECT pg_sleep(1.5);\n");
    p.add("V2__more.sql", "CREATE TABLE twice_would_fail (id int);\n");
    RunningPgsafe a(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    RunningPgsafe b(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    ProcessResult ra = a.wait();
    ProcessResult rb = b.wait();
    INFO(ra.err << rb.err);
    CHECK(ra.exit_code == 0);
    CHECK(rb.exit_code == 0);
    CHECK(migrate_json(ra)["applied"].size() + migrate_json(rb)["applied"].size() == 2);
    CHECK((ra.err + rb.err).find("another pgsafe runner holds the runner lock: pid") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'migration-started'") == "2");
}

TEST_CASE("a second runner gives up after --lock-wait with exit 6, naming the holder",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__slow.sql", "SELECT pg_sleep(4);\n");
    RunningPgsafe first(pgsafe::test::k_source_dir, p.args(*db));
    REQUIRE(eventually([&] { return !runner_backend(db->dsn(), "pg_sleep").empty(); }));
    auto second = p.migrate(*db, {"--lock-wait", "1", "--format", "json"});
    CHECK(second.exit_code == 6);
    CHECK(second.err.find("waiting for the runner lock") != std::string::npos);
    CHECK(second.err.find("application \"pgsafe migrate (runner lock)\"") != std::string::npos);
    CHECK(migrate_json(second)["status"] == "lock_timeout");
    CHECK(first.wait().exit_code == 0);
}

TEST_CASE("pg_terminate_backend on the runner mid-step: exit 4, and the rerun completes",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__work.sql",
          "CREATE TABLE before_sleep (id int);\nSELECT pg_sleep(30);\nCREATE TABLE after_sleep (id int);\n");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    REQUIRE(eventually([&] { return !runner_backend(db->dsn(), "pg_sleep").empty(); }));
    exec(db->admin_dsn(), "SELECT pg_terminate_backend(" + runner_backend(db->dsn(), "pg_sleep") + ")");
    ProcessResult r = runner.wait();
    CHECK(r.exit_code == 4);
    json out = migrate_json(r);
    CHECK(out["status"] == "failed");
    CHECK(out["error"]["step"] == 2);
    CHECK(state_of(*db, "1") == "failed");  // recorded through a new session

    p.add("V1__work.sql",
          "CREATE TABLE before_sleep (id int);\nSELECT pg_sleep(0.1);\nCREATE TABLE after_sleep (id int);\n");
    auto rerun = p.migrate(*db);
    INFO(rerun.err);
    CHECK(rerun.exit_code == 0);
    CHECK(state_of(*db, "1") == "applied");
    CHECK(value(db->dsn(), "SELECT to_regclass('after_sleep')") == "after_sleep");
}

TEST_CASE(
    "a failing statement: earlier steps stay recorded, the error names file and line, the fixed file resumes",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__first.sql", "CREATE TABLE a (id int);\n");
    p.add("V2__broken.sql",
          "CREATE TABLE b (id int);\n\nINSERT INTO missing VALUES (1);\nCREATE TABLE c (id int);\n");
    auto r = p.migrate(*db, {"--format", "json"});
    CHECK(r.exit_code == 4);
    json out = migrate_json(r);
    CHECK(out["status"] == "failed");
    CHECK(out["applied"].size() == 1);
    CHECK(out["error"]["migration"] == "2");
    CHECK(out["error"]["step"] == 2);
    CHECK(out["error"]["sqlstate"] == "42P01");
    CHECK(out["error"]["location"].get<std::string>().find("V2__broken.sql:3") != std::string::npos);
    CHECK(out["pending"] == json::array({"2"}));
    CHECK(state_of(*db, "2") == "failed");
    CHECK(value(db->dsn(),
                "SELECT string_agg(state, ',' ORDER BY step) FROM pgsafe.steps WHERE version = '2'") ==
          "applied,failed,pending");

    // Changing an applied step is refused; fixing the failed one resumes.
    p.add("V2__broken.sql",
          "CREATE TABLE b2 (id int);\n\nINSERT INTO a VALUES (1);\nCREATE TABLE c (id int);\n");
    auto refused = p.migrate(*db);
    CHECK(refused.exit_code == 5);
    CHECK(refused.out.find("after step 1 was applied") != std::string::npos);
    p.add("V2__broken.sql",
          "CREATE TABLE b (id int);\n\nINSERT INTO a VALUES (1);\nCREATE TABLE c (id int);\n");
    auto fixed = p.migrate(*db);
    INFO(fixed.out << fixed.err);
    CHECK(fixed.exit_code == 0);
    CHECK(state_of(*db, "2") == "applied");
    CHECK(value(db->dsn(), "SELECT count(*) FROM a") == "1");
}

TEST_CASE(
    "quick steps sent together stop at the first error: what ran before is recorded, nothing after it runs",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    // Every step takes a known lock on a table new in this run: one message for the three files.
    p.add("V1__first.sql", "CREATE TABLE a (id int);\n");
    p.add("V2__broken.sql",
          "CREATE TABLE b (id int);\n\nALTER TABLE a ADD COLUMN id int;\nCREATE TABLE c (id int);\n");
    p.add("V3__after.sql", "CREATE TABLE d (id int);\n");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    json out = migrate_json(r);
    CHECK(out["applied"].size() == 1);
    CHECK(out["error"]["migration"] == "2");
    CHECK(out["error"]["step"] == 2);
    CHECK(out["error"]["sqlstate"] == "42701");
    CHECK(out["error"]["message"].get<std::string>().find("migrations/V2__broken.sql:3 (step 2/3): column") !=
          std::string::npos);
    CHECK(out["pending"] == json::array({"2", "3"}));
    CHECK(state_of(*db, "1") == "applied");
    CHECK(state_of(*db, "2") == "failed");
    CHECK(value(db->dsn(),
                "SELECT string_agg(state, ',' ORDER BY step) FROM pgsafe.steps WHERE version = '2'") ==
          "applied,failed,pending");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE version = '3'") == "0");
    CHECK(value(db->dsn(),
                "SELECT to_regclass('b') IS NOT NULL AND to_regclass('c') IS NULL AND to_regclass('d') IS "
                "NULL") == "t");

    p.add("V2__broken.sql",
          "CREATE TABLE b (id int);\n\nALTER TABLE a ADD COLUMN x int;\nCREATE TABLE c (id int);\n");
    auto fixed = p.migrate(*db, {"--format", "json"});
    INFO(fixed.out << fixed.err);
    CHECK(fixed.exit_code == 0);
    CHECK(state_of(*db, "2") == "applied");
    CHECK(state_of(*db, "3") == "applied");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'migration-applied'") == "3");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE state <> 'applied'") == "0");
}

TEST_CASE(
    "quick migrations sent together: an error at one's end leaves the next unstarted, one in the next's "
    "first step leaves it failed and the one before applied",
    "[db][migrate][fault]") {
    // A start record commits with the end of the migration before it (run_group, migration_batches.cpp).
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__first.sql", "CREATE TABLE a (id int);\n");
    p.add("V2__ends_badly.sql", "CREATE TABLE b (id int);\n\nALTER TABLE a ADD COLUMN id int;\n");
    p.add("V3__next.sql", "CREATE TABLE d (id int);\n");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    json out = migrate_json(r);
    CHECK(out["error"]["migration"] == "2");
    CHECK(out["error"]["step"] == 2);
    CHECK(out["pending"] == json::array({"2", "3"}));
    CHECK(state_of(*db, "2") == "failed");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE version = '3'") == "0");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE version = '3'") == "0");
    CHECK(value(db->dsn(), "SELECT to_regclass('d') IS NULL") == "t");

    // V3's start record commits with V2's end; V3's first step fails.
    auto other = pgsafe::test::scratch_database();
    REQUIRE(other);
    Project q;
    q.add("V1__first.sql", "CREATE TABLE a (id int);\n");
    q.add("V2__fine.sql", "CREATE TABLE b (id int);\n");
    q.add("V3__starts_badly.sql", "ALTER TABLE a ADD COLUMN id int;\nCREATE TABLE d (id int);\n");
    q.add("V4__last.sql", "CREATE TABLE e (id int);\n");
    auto second = q.migrate(*other, {"--format", "json"});
    INFO(second.out << second.err);
    CHECK(second.exit_code == 4);
    json failed = migrate_json(second);
    CHECK(failed["error"]["migration"] == "3");
    CHECK(failed["error"]["step"] == 1);
    CHECK(failed["pending"] == json::array({"3", "4"}));
    CHECK(state_of(*other, "2") == "applied");
    CHECK(state_of(*other, "3") == "failed");
    CHECK(value(other->dsn(),
                "SELECT string_agg(state, ',' ORDER BY step) FROM pgsafe.steps WHERE version = '3'") ==
          "failed,pending");
    CHECK(value(other->dsn(),
                "SELECT string_agg(kind || ' ' || version, ',' ORDER BY id) FROM pgsafe.events "
                "WHERE kind LIKE 'migration-%'") ==
          "migration-started 1,migration-applied 1,migration-started 2,migration-applied 2,"
          "migration-started 3,migration-failed 3");
    CHECK(value(other->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE version = '4'") == "0");
}

TEST_CASE("migrations without steps go with quick ones, each started and applied in the order of the files",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    // A group may start with a migration without steps, and one may sit between two with steps.
    p.add("V1__empty.sql", "-- nothing for PostgreSQL here\n");
    p.add("V2__first.sql", "CREATE TABLE a (id int);\n");
    p.add("V3__empty.sql", "-- nor here\n");
    p.add("V4__starts_badly.sql", "ALTER TABLE a ADD COLUMN id int;\n");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    json out = migrate_json(r);
    CHECK(out["applied"].size() == 3);
    CHECK(out["error"]["migration"] == "4");
    CHECK(out["pending"] == json::array({"4"}));
    CHECK(value(db->dsn(),
                "SELECT string_agg(version || ' ' || state, ',' ORDER BY version) FROM pgsafe.migrations") ==
          "1 applied,2 applied,3 applied,4 failed");
    CHECK(value(db->dsn(),
                "SELECT string_agg(kind || ' ' || version, ',' ORDER BY id) FROM pgsafe.events "
                "WHERE kind LIKE 'migration-%'") ==
          "migration-started 1,migration-applied 1,migration-started 2,migration-applied 2,"
          "migration-started 3,migration-applied 3,migration-started 4,migration-failed 4");

    p.add("V4__starts_badly.sql", "ALTER TABLE a ADD COLUMN x int;\n");
    p.add("V5__empty.sql", "-- the last one\n");
    auto fixed = p.migrate(*db, {"--format", "json"});
    INFO(fixed.out << fixed.err);
    CHECK(fixed.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE state = 'applied'") == "5");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps") == "2");
}

TEST_CASE(
    "quick steps of a migration that cannot go in a batch whole are sent together: an error stops them with "
    "what ran before recorded",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    // The DO block runs on its own (the analysis cannot tell its locks), so V1
    // goes one step at a time; steps 3 to 6 are quick and go in one message
    // (run_steps_together, migration_batches.cpp).
    p.add("V1__mixed.sql",
          "CREATE TABLE a (id int);\n"
          "DO $$ BEGIN PERFORM 1; END $$;\n"
          "CREATE TABLE b (id int);\n"
          "COMMENT ON TABLE b IS 'b';\n"
          "ALTER TABLE a ADD COLUMN id int;\n"
          "CREATE TABLE c (id int);\n");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    json out = migrate_json(r);
    CHECK(out["error"]["migration"] == "1");
    CHECK(out["error"]["step"] == 5);
    CHECK(out["error"]["sqlstate"] == "42701");
    CHECK(out["error"]["message"].get<std::string>().find("migrations/V1__mixed.sql:5 (step 5/6): column") !=
          std::string::npos);
    CHECK(state_of(*db, "1") == "failed");
    CHECK(value(db->dsn(),
                "SELECT string_agg(state, ',' ORDER BY step) FROM pgsafe.steps WHERE version = '1'") ==
          "applied,applied,applied,applied,failed,pending");
    CHECK(value(db->dsn(), "SELECT obj_description('b'::regclass) = 'b' AND to_regclass('c') IS NULL") ==
          "t");

    p.add("V1__mixed.sql",
          "CREATE TABLE a (id int);\n"
          "DO $$ BEGIN PERFORM 1; END $$;\n"
          "CREATE TABLE b (id int);\n"
          "COMMENT ON TABLE b IS 'b';\n"
          "ALTER TABLE a ADD COLUMN x int;\n"
          "CREATE TABLE c (id int);\n");
    auto fixed = p.migrate(*db, {"--format", "json"});
    INFO(fixed.out << fixed.err);
    CHECK(fixed.exit_code == 0);
    CHECK(state_of(*db, "1") == "applied");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE state <> 'applied'") == "0");
    CHECK(value(db->dsn(), "SELECT to_regclass('c') IS NOT NULL") == "t");
}

TEST_CASE("quick steps sent together: one that waits for a lock is tried again on its own until it runs",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    Project p;
    p.add("V1__mixed.sql",
          "DO $$ BEGIN PERFORM 1; END $$;\n"
          "CREATE TABLE x (id int);\n"
          "ALTER TABLE measurements ADD COLUMN note text;\n"
          "CREATE TABLE z (id int);\n");
    OpenReader reader(db->dsn());
    auto runner = migrate_until_waiting(p, *db);
    // The message stopped at the ALTER's lock timeout: CREATE TABLE x committed, z did not run.
    CHECK(value(db->dsn(),
                "SELECT string_agg(state, ',' ORDER BY step) FROM pgsafe.steps WHERE version = '1'") ==
          "applied,applied,pending,pending");
    reader.release();
    ProcessResult r = runner->wait();
    CHECK(r.exit_code == 0);
    json out = migrate_json(r);
    CHECK(out["applied"][0]["retries"].get<int>() >= 1);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE state <> 'applied'") == "0");
    CHECK(value(db->dsn(),
                "SELECT to_regclass('x') IS NOT NULL AND to_regclass('z') IS NOT NULL AND "
                "EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'measurements' AND "
                "column_name = 'note')") == "t");
}

TEST_CASE(
    "the work session lost while quick steps of a migration are sent together: what committed is read "
    "through a new session and the step it stopped at is recorded as failed",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__mixed.sql",
          "DO $$ BEGIN PERFORM 1; END $$;\n"
          "CREATE TABLE a (id int);\n"
          "CREATE TABLE s AS SELECT 1 AS x FROM pg_sleep(3);\n"
          "CREATE TABLE c (id int);\n");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    std::string work;
    REQUIRE(eventually([&] { return !(work = runner_backend(db->dsn(), "pg_sleep")).empty(); }));
    exec(db->admin_dsn(), "SELECT pg_terminate_backend(" + work + ")");
    ProcessResult r = runner.wait();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    std::string message = migrate_json(r)["error"]["message"];
    CHECK(message.find("migrations/V1__mixed.sql:3 (step 3/4)") != std::string::npos);
    CHECK(message.find("recorded through a new connection: migration 1 failed at step 3") !=
          std::string::npos);
    CHECK(value(db->dsn(),
                "SELECT string_agg(state, ',' ORDER BY step) FROM pgsafe.steps WHERE version = '1'") ==
          "applied,applied,failed,pending");
    CHECK(value(db->dsn(), "SELECT to_regclass('a') IS NOT NULL AND to_regclass('s') IS NULL") == "t");
    auto rerun = p.migrate(*db);
    INFO(rerun.out << rerun.err);
    CHECK(rerun.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE state <> 'applied'") == "0");
}

TEST_CASE("a lost runner lock stops quick steps sent together before the next commit",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    // The three files go in one message; the runner's lock session is ended while V1's step runs.
    p.add("V1__slow.sql", "CREATE TABLE s AS SELECT 1 AS x FROM pg_sleep(3);\n");
    p.add("V2__next.sql", "CREATE TABLE b (id int);\n");
    p.add("V3__last.sql", "CREATE TABLE c (id int);\n");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    REQUIRE(eventually([&] { return !runner_backend(db->dsn(), "pg_sleep").empty(); }));
    exec(db->admin_dsn(),
         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
         "'pgsafe migrate (runner lock)' AND datname = '" +
             value(db->dsn(), "SELECT current_database()") + "'");
    ProcessResult r = runner.wait();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    CHECK(r.out.find("lost the runner lock") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE version IN ('2', '3')") == "0");
    CHECK(value(db->dsn(), "SELECT state FROM pgsafe.steps WHERE version = '1'") == "pending");
    CHECK(
        value(db->dsn(),
              "SELECT to_regclass('s') IS NULL AND to_regclass('b') IS NULL AND to_regclass('c') IS NULL") ==
        "t");
    auto rerun = p.migrate(*db);
    INFO(rerun.out << rerun.err);
    CHECK(rerun.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE state = 'applied'") == "3");
}

TEST_CASE("a lock held past the retry deadline: exit 6, the blocker named, nothing half-applied",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    Project p("[retry]\ndeadline_s = 2\n");
    p.add("V1__note.sql", "ALTER TABLE measurements ADD COLUMN note text;\n");
    OpenReader reader(db->dsn());
    auto started = std::chrono::steady_clock::now();
    auto r = p.migrate(*db, {"--format", "json"});
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(r.exit_code == 6);
    // Gave up at the configured 2 s deadline, not the default 600 s: a bound
    // only a run that ignores the deadline (a hang) trips, never a slow machine.
    CHECK(took < 120);
    json out = migrate_json(r);
    CHECK(out["status"] == "lock_timeout");
    CHECK(out["error"]["sqlstate"].is_null());
    std::string blocker_pid = std::to_string(reader.connection.backendpid());
    CHECK(r.err.find("pid " + blocker_pid + " (role postgres, idle in transaction") != std::string::npos);
    CHECK(r.err.find("SELECT count(*) FROM measurements WHERE id = 1") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'") ==
          "0");
    CHECK(state_of(*db, "1") == "failed");
    CHECK(std::stoi(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'retry'")) >= 2);
    reader.release();
    CHECK(p.migrate(*db).exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'") ==
          "1");
}

TEST_CASE("a lock queue: the runner waits in short tries, never blocks others for long, and runs once free",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    // Backoffs of up to 10 minutes: only the wake-up when the blocker ends
    // lets the run finish soon after it (bench/stall measures how soon).
    Project p("[retry]\ninitial_ms = 600000\nmax_ms = 600000\ndeadline_s = 3600\n");
    p.add("V1__note.sql", "ALTER TABLE measurements ADD COLUMN note text;\n");
    OpenReader reader(db->dsn());
    auto runner = migrate_until_waiting(p, *db);
    // Meanwhile, a writer is never stuck behind the queued ALTER: the ALTER
    // leaves the queue after one short try. A writer stuck there would wait as
    // long as the reader (this whole loop), so its own lock_timeout ends it.
    pqxx::connection writer(db->dsn());
    pqxx::nontransaction write(writer);
    write.exec("SET lock_timeout = '30s'");
    for (int i = 0; i < 20; ++i) write.exec("INSERT INTO measurements (patient_id, value) VALUES (1, 1)");
    reader.release();
    auto released = std::chrono::steady_clock::now();
    ProcessResult r = runner->wait();
    double after = std::chrono::duration<double>(std::chrono::steady_clock::now() - released).count();
    CHECK(r.exit_code == 0);
    // Woken when the blocker ended, not at the end of a backoff drawn from
    // [0, 600 s]: a bound no slow machine comes near.
    CHECK(after < 120);
    json out = migrate_json(r);
    CHECK(out["applied"][0]["retries"].get<int>() >= 1);
    CHECK(out["applied"][0]["lock_wait_ms"].get<int>() > 0);
}

TEST_CASE(
    "SIGINT or SIGTERM while a step waits: exit 130, state recorded, runner lock released, rerun completes",
    "[db][migrate][fault]") {
    int sig = GENERATE(SIGINT, SIGTERM);
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    Project p;
    p.add("V1__note.sql", "ALTER TABLE measurements ADD COLUMN note text;\n");
    OpenReader reader(db->dsn());
    auto runner = migrate_until_waiting(p, *db);
    runner->signal(sig);
    ProcessResult r = runner->wait();
    CHECK(r.exit_code == 130);
    CHECK(migrate_json(r)["status"] == "interrupted");
    CHECK(state_of(*db, "1") == "failed");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'interrupted'") == "1");
    // Only this database's: other tests' runners on the same server hold their own.
    CHECK(value(db->dsn(),
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())") == "0");
    reader.release();
    CHECK(p.migrate(*db).exit_code == 0);
}

TEST_CASE("drift and out-of-order files are refused with exit 5 before anything runs", "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V2__b.sql", "CREATE TABLE b (id int);\n");
    REQUIRE(p.migrate(*db).exit_code == 0);

    p.add("V1__a.sql", "CREATE TABLE a (id int);\n");
    auto early = p.migrate(*db, {"--format", "json"});
    CHECK(early.exit_code == 5);
    CHECK(migrate_json(early)["status"] == "refused");
    CHECK(early.out.find("out of order") != std::string::npos);
    CHECK(p.migrate(*db, {"--allow-out-of-order"}).exit_code == 0);

    p.add("V2__b.sql", "CREATE TABLE b (id bigint);\n");
    auto drift = p.migrate(*db);
    CHECK(drift.exit_code == 5);
    CHECK(drift.out.find("drift") != std::string::npos);
    CHECK(drift.out.find("sha256:") != std::string::npos);
    auto status = run_pgsafe({"status", p.migrations, "--db", db->dsn(), "--format", "json"});
    CHECK(json::parse(status.out)["migrations"][1]["state"] == "drift");
    // Each refusal is in the audit log the same way, with its code and what unlocks it.
    CHECK(value(db->dsn(),
                "SELECT string_agg(detail->>'code', ',' ORDER BY id) FROM pgsafe.events WHERE kind = "
                "'refused'") == "out-of-order,drift");
    CHECK(value(db->dsn(), "SELECT detail->>'unlock' FROM pgsafe.events WHERE detail->>'code' = 'drift'") ==
          "restore the file, or write a new migration for the change");
}

TEST_CASE("a CRLF or BOM copy of an applied file is not drift: the checksum is over the canonical text",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__a.sql", "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n");
    REQUIRE(p.migrate(*db).exit_code == 0);
    std::string applied = value(db->dsn(), "SELECT checksum FROM pgsafe.migrations WHERE version = '1'");

    p.add("V1__a.sql",
          "\xEF\xBB\xBF"
          "CREATE TABLE a (id int);\r\nINSERT INTO a VALUES (1);\r\n");
    auto again = p.migrate(*db);
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("nothing to apply") != std::string::npos);
    auto status = run_pgsafe({"status", p.migrations, "--db", db->dsn(), "--format", "json"});
    json s = json::parse(status.out);
    CHECK(s["migrations"][0]["state"] == "applied");
    CHECK(s["migrations"][0]["checksum"] == applied);

    // A CRLF file runs as LF text: the hashed bytes are the bytes that run.
    p.add("V2__b.sql", "CREATE TABLE b (t text DEFAULT 'x\r\ny');\r\n");
    REQUIRE(p.migrate(*db).exit_code == 0);
    CHECK(value(db->dsn(),
                "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'b'::regclass") ==
          "'x\ny'::text");
    // The runner stores its own versioned record of the plan and of each step.
    CHECK(value(db->dsn(), "SELECT plan->>'format' FROM pgsafe.migrations WHERE version = '2'") == "1");
    CHECK(value(db->dsn(), "SELECT definition->>'format' FROM pgsafe.steps WHERE version = '2'") == "1");
}

TEST_CASE("a backfill runs in batches and a killed run resumes from the last finished batch",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    Project p("[thresholds]\nlarge_table_rows = 1000\n[run]\nbatch_pause_ms = 300\n");
    p.add(
        "V1__received.sql",
        "ALTER TABLE measurements ADD COLUMN received_at timestamptz NOT NULL DEFAULT clock_timestamp();\n");
    {
        RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
        REQUIRE(eventually([&] {
            return value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE batch_last IS NOT NULL") == "1";
        }));
        runner.signal(SIGKILL);
        runner.wait();
    }
    std::string last =
        value(db->dsn(), "SELECT batch_last->'values'->>0 FROM pgsafe.steps WHERE batch_last IS NOT NULL");
    auto rerun = p.migrate(*db);
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    CHECK(rerun.err.find("resuming the batches after id " + last) != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM measurements WHERE received_at IS NULL") == "0");
    CHECK(value(db->dsn(),
                "SELECT is_nullable FROM information_schema.columns WHERE column_name = 'received_at'") ==
          "NO");
}

TEST_CASE(
    "the runner lock's session is terminated mid-step: a second runner applies it once, the first stops",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE counter (v int NOT NULL); INSERT INTO counter VALUES (0); ANALYZE counter;");
    Project p;
    // Not idempotent, and slow enough to lose the lock while it runs.
    p.add("V1__bump.sql", "UPDATE counter SET v = v + 1 WHERE pg_sleep(3) IS NOT NULL;\n");
    RunningPgsafe first(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    REQUIRE(eventually([&] { return !runner_backend(db->dsn(), "pg_sleep").empty(); }));
    std::string lock_session =
        value(db->dsn(),
              "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgsafe migrate (runner lock)' "
              "AND datname = current_database()");  // not another test's runner, in parallel ctest
    REQUIRE(!lock_session.empty());
    exec(db->admin_dsn(), "SELECT pg_terminate_backend(" + lock_session + ")");

    auto second = p.migrate(*db, {"--format", "json"});
    ProcessResult r = first.wait();
    INFO(r.err << second.err);
    CHECK(second.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT v FROM counter") == "1");
    CHECK(state_of(*db, "1") == "applied");
    CHECK(r.exit_code == 4);
    CHECK((r.out + r.err).find("lost the runner lock") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'runner-lock-lost'") == "1");
}

TEST_CASE(
    "kill -9 during CREATE INDEX CONCURRENTLY, immediate rerun: it waits for the orphaned build, then "
    "records it as done",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    auto clean = pgsafe::test::scratch_database();
    if (!db || !clean) return;
    seed(db->dsn());
    seed(clean->dsn());
    Project p("[thresholds]\nlarge_table_rows = 1000\n");
    p.add("V1__index.sql", "CREATE UNIQUE INDEX measurements_id_value_idx ON measurements (id, value);\n");
    p.add("V2__after.sql", "ALTER TABLE measurements ADD COLUMN note text;\n");
    REQUIRE(p.migrate(*clean).exit_code == 0);

    // A writer's open transaction keeps the build in flight after its runner is killed.
    pqxx::connection writer(db->dsn());
    pqxx::work hold(writer);
    hold.exec("INSERT INTO measurements (patient_id, value) VALUES (1, 1)");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
    REQUIRE(eventually([&] { return !runner_backend(db->dsn(), "CONCURRENTLY").empty(); }));
    std::string orphan = runner_backend(db->dsn(), "CONCURRENTLY");
    runner.signal(SIGKILL);
    CHECK(runner.wait().exit_code == 128 + SIGKILL);

    // The rerun starts at once, while the orphaned backend still builds.
    RunningPgsafe rerun(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    CHECK(eventually([&] {
        return rerun.err_so_far().find("still has a statement in flight: pid " + orphan) != std::string::npos;
    }));
    hold.abort();  // the build can finish now
    ProcessResult r = rerun.wait();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("an earlier run finished this step") != std::string::npos);
    CHECK(schema_of(db->dsn()) == schema_of(clean->dsn()));
    CHECK(state_of(*db, "2") == "applied");
}

TEST_CASE(
    "kill -9 while a first run creates the tracking schema, immediate rerun: it waits for the orphaned "
    "creation, then applies every file",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__a.sql", "CREATE TABLE a (id int);\n");
    p.add("V2__b.sql", "CREATE TABLE b (id int);\n");

    // A session holding pg_namespace keeps the creation of schema pgsafe in flight after its runner is
    // killed.
    pqxx::connection blocker(db->dsn());
    pqxx::work hold(blocker);
    hold.exec("LOCK TABLE pg_catalog.pg_namespace IN SHARE MODE");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
    REQUIRE(
        eventually([&] { return !runner_backend(db->dsn(), "CREATE SCHEMA IF NOT EXISTS pgsafe").empty(); }));
    std::string orphan = runner_backend(db->dsn(), "CREATE SCHEMA IF NOT EXISTS pgsafe");
    runner.signal(SIGKILL);
    CHECK(runner.wait().exit_code == 128 + SIGKILL);

    // The rerun starts at once: it must not create the schema beside the orphaned creation.
    RunningPgsafe rerun(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    CHECK(eventually([&] {
        return rerun.err_so_far().find("still has a statement in flight: pid " + orphan) != std::string::npos;
    }));
    hold.commit();  // the orphaned creation can end now
    ProcessResult r = rerun.wait();
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.migrations WHERE state = 'applied'") == "2");
    CHECK(value(db->dsn(), "SELECT to_regclass('a') IS NOT NULL AND to_regclass('b') IS NOT NULL") == "t");
}

TEST_CASE("a DROP INDEX CONCURRENTLY that finished but was not recorded counts as done on the rerun",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    seed(db->dsn());
    exec(db->dsn(), "CREATE INDEX measurements_value_idx ON measurements (value)");
    Project p;
    p.add("V1__drop.sql", "DROP INDEX CONCURRENTLY measurements_value_idx;\n");
    pqxx::connection writer(db->dsn());
    pqxx::work hold(writer);
    hold.exec("SELECT count(*) FROM measurements WHERE value = 1");
    {
        RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
        REQUIRE(eventually([&] { return !runner_backend(db->dsn(), "DROP INDEX CONCURRENTLY").empty(); }));
        std::string backend = runner_backend(db->dsn(), "DROP INDEX CONCURRENTLY");
        runner.signal(SIGKILL);
        CHECK(runner.wait().exit_code == 128 + SIGKILL);
        exec(db->admin_dsn(), "SELECT pg_terminate_backend(" + backend + ")");
    }
    hold.abort();
    // The drop finished, but the runner died before recording it.
    exec(db->dsn(), "DROP INDEX measurements_value_idx");
    CHECK(state_of(*db, "1") == "running");
    auto rerun = p.migrate(*db);
    INFO(rerun.out << rerun.err);
    CHECK(rerun.exit_code == 0);
    CHECK(rerun.err.find("the index it drops is gone") != std::string::npos);
    CHECK(state_of(*db, "1") == "applied");
}

TEST_CASE("a re-versioned applied file is not applied again: V3 == V03 == V3.0, and a copy is refused",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "CREATE TABLE audit (note text)");
    Project p;
    const std::string sql = "INSERT INTO audit VALUES ('revoked');\n";
    p.add("V3__revoke.sql", sql);
    REQUIRE(p.migrate(*db).exit_code == 0);
    for (const char* renamed : {"V03__revoke.sql", "V3.0__revoke.sql"}) {
        INFO(renamed);
        std::filesystem::remove_all(p.migrations);
        p.add(renamed, sql);
        auto r = p.migrate(*db, {"--format", "json"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(migrate_json(r)["applied"].empty());
        CHECK(value(db->dsn(), "SELECT count(*) FROM audit") == "1");
    }
    // The same bytes under a new version: refused, naming both.
    p.add("V4__again.sql", sql);
    auto copy = p.migrate(*db);
    INFO(copy.out << copy.err);
    CHECK(copy.exit_code == 5);
    CHECK(copy.out.find("V4__again.sql: pending migration 4 has the same content") != std::string::npos);
    CHECK(copy.out.find("as applied migration 3 (revoke)") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM audit") == "1");
    CHECK(p.migrate(*db, {"--allow-same-content"}).exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM audit") == "2");
}

TEST_CASE("placeholder files with only comments may repeat: psql runs them, so pgsafe does too",
          "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    // As ory-hydra's popx placeholders and sourcegraph's NO-OPs: identical bytes, no statement.
    const std::string placeholder = "-- This blank migration was generated to meet validation criteria.\n";
    p.add("V1__placeholder.sql", placeholder);
    REQUIRE(p.migrate(*db).exit_code == 0);
    p.add("V2__placeholder.sql", placeholder);
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(migrate_json(r)["applied"].size() == 1);
}

TEST_CASE("a tracking schema pgsafe did not create, or one carrying a trigger, is refused and nothing fires",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__a.sql", "CREATE TABLE a (id int);\n");

    SECTION("pre-created by another role") {
        exec(db->admin_dsn(),
             "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgsafe_test_squatter') THEN "
             "CREATE ROLE pgsafe_test_squatter; END IF; END$$");
        exec(db->dsn(), "GRANT CREATE ON DATABASE " + db->name() + " TO pgsafe_test_squatter");
        exec(db->dsn(), "SET ROLE pgsafe_test_squatter; CREATE SCHEMA pgsafe; RESET ROLE;");
        auto r = p.migrate(*db);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5);
        CHECK(r.out.find("schema pgsafe is owned by pgsafe_test_squatter") != std::string::npos);
        CHECK(r.out.find("not created by pgsafe") != std::string::npos);
        CHECK(value(db->dsn(), "SELECT to_regclass('a')") == "");
        exec(db->dsn(), "DROP SCHEMA pgsafe");
    }
    SECTION("a trigger added to pgsafe's own tables") {
        REQUIRE(p.migrate(*db).exit_code == 0);
        exec(db->dsn(), R"sql(
CREATE TABLE fired (at timestamptz);
CREATE FUNCTION public.sneak() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.fired VALUES (now()); RETURN NEW; END$$;
CREATE TRIGGER sneak BEFORE INSERT OR UPDATE ON pgsafe.migrations FOR EACH ROW EXECUTE FUNCTION public.sneak();
)sql");
        p.add("V2__b.sql", "CREATE TABLE b (id int);\n");
        auto r = p.migrate(*db);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5);
        CHECK(r.out.find("trigger sneak on pgsafe.migrations") != std::string::npos);
        CHECK(value(db->dsn(), "SELECT count(*) FROM fired") == "0");
        CHECK(value(db->dsn(), "SELECT to_regclass('b')") == "");
    }
}
