// A batched step's keys in parts, each run by a session of its own
// ([run] batch_workers), through `pgsafe migrate` against a real PostgreSQL:
// every row changed exactly once (a non-idempotent UPDATE shows a row done
// twice or skipped), each part resumed after a kill, a worker's failure
// taken over by the migration's session, and one session only where a new
// one would not run the batches as the migration's does.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

using pgsafe::test::eventually;
using pgsafe::test::exec;
using pgsafe::test::run_pgsafe;
using pgsafe::test::RunningPgsafe;
using pgsafe::test::value;

namespace {

using namespace std::chrono_literals;

// Small batches; tables of 12,000 rows (parts need 10,000).
const std::string k_config =
    "[thresholds]\nlarge_table_rows = 500\n[run]\nbatch_pause_ms = 0\nbatch_min = 50\nbatch_max = 400\n";
const std::string k_two = "batch_workers = 2\n";

struct Project : pgsafe::test::MigrateProject {
    explicit Project(const std::string& toml = k_config + k_two) : MigrateProject(toml) {}
};

std::string digest(const std::string& dsn, const std::string& table) {
    return value(
        dsn, "SELECT count(*) || ':' || md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM " +
                 table + " r");
}

// Table t (id int PRIMARY KEY, v int NOT NULL) of 12,000 rows, v = id, and its copy plain_copy.
const std::string k_table =
    "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);"
    "INSERT INTO t SELECT g, g FROM generate_series(1, 12000) g;"
    "CREATE TABLE plain_copy AS SELECT * FROM t; ANALYZE;";

const std::string k_parts = "SELECT jsonb_array_length(batch_last->'ranges') FROM pgsafe.steps";

struct KeyCase {
    const char* name;
    const char* setup;  // creates and fills table t, 12,000 rows
};

const KeyCase k_key_cases[] = {
    {"bigint keys, sparse, up to INT64 max",
     "CREATE TABLE t (id bigint PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT g, g FROM generate_series(1, 11998) g;"
     "INSERT INTO t VALUES (9223372036854775807, 7), (-9223372036854775808, 8);"},
    {"uuid keys",
     "CREATE TABLE t (id uuid PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT md5(g::text)::uuid, g FROM generate_series(1, 12000) g;"},
    {"text keys with quotes",
     "CREATE TABLE t (id text PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT CASE g % 3 WHEN 0 THEN g::text WHEN 1 THEN 'it''s ' || g ELSE 'Zß ' || g END, g "
     "FROM generate_series(1, 12000) g;"},
    {"composite (uuid, text) keys",
     "CREATE TABLE t (tenant uuid, id text, v int NOT NULL, PRIMARY KEY (tenant, id));"
     "INSERT INTO t SELECT md5((g % 5)::text)::uuid, 'k' || g, g FROM generate_series(1, 12000) g;"},
};

}  // namespace

TEST_CASE("two sessions share a batched UPDATE's keys and change every row once, whatever the key",
          "[db][batches]") {
    for (const auto& c : k_key_cases) {
        SECTION(c.name) {
            auto db = pgsafe::test::scratch_database();
            if (!db) return;
            exec(db->dsn(), std::string(c.setup) + "CREATE TABLE plain_copy AS SELECT * FROM t; ANALYZE;");
            Project p;
            p.add("V1__bump.sql", "UPDATE t SET v = v * 2 + 1;\n");
            auto run = run_pgsafe(p.args(*db));
            INFO(run.out << run.err);
            REQUIRE(run.exit_code == 0);
            CHECK(run.err.find("at the same time in 1 more session") != std::string::npos);
            CHECK(value(db->dsn(), k_parts) == "2");
            // Each part's last key is its end: the first part's its cut, the second's the table's last key.
            CHECK(value(db->dsn(),
                        "SELECT batch_last->'ranges'->0->'last' = batch_last->'ranges'->0->'until' "
                        "FROM pgsafe.steps") == "t");
            exec(db->dsn(), "UPDATE plain_copy SET v = v * 2 + 1");
            CHECK(digest(db->dsn(), "t") == digest(db->dsn(), "plain_copy"));
        }
    }
}

TEST_CASE("a volatile-default backfill in two sessions fills every row", "[db][batches]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_table);
    Project p;
    p.add("V1__token.sql", "ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();\n");
    auto run = run_pgsafe(p.args(*db));
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("at the same time in 1 more session") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE token IS NULL") == "0");
    CHECK(value(db->dsn(), "SELECT count(DISTINCT token) FROM t") == "12000");
}

TEST_CASE("a runner killed while two sessions run batches resumes each part and changes every row once",
          "[db][batches][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_table);
    Project p(
        "[thresholds]\nlarge_table_rows = 500\n[run]\nbatch_pause_ms = 100\nbatch_min = 50\nbatch_max = "
        "50\n" +
        k_two);
    p.add("V1__bump.sql", "UPDATE t SET v = v + 1000;\n");
    {
        RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
        REQUIRE(eventually([&] {
            return value(db->dsn(),
                         "SELECT count(*) FROM pgsafe.steps WHERE batch_last->'ranges'->0->'last' <> 'null' "
                         "AND "
                         "batch_last->'ranges'->1->'last' <> 'null'") == "1";
        }));
        runner.signal(SIGKILL);
        runner.wait();
    }
    REQUIRE(eventually([&] {
        return value(db->dsn(),
                     "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pgsafe_batch%' AND "
                     "pid <> pg_backend_pid() AND datname = current_database()") == "0";
    }));
    // Both parts stopped half-way: rows done in each, none after either part's last key.
    std::string cut = value(db->dsn(), "SELECT batch_last->'ranges'->0->'until'->>0 FROM pgsafe.steps");
    std::string last0 = value(db->dsn(), "SELECT batch_last->'ranges'->0->'last'->>0 FROM pgsafe.steps");
    std::string last1 = value(db->dsn(), "SELECT batch_last->'ranges'->1->'last'->>0 FROM pgsafe.steps");
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE v = id + 1000 AND id <= " + cut) ==
          value(db->dsn(), "SELECT count(*) FROM t WHERE id <= " + last0));
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE v = id + 1000 AND id > " + cut) ==
          value(db->dsn(), "SELECT count(*) FROM t WHERE id > " + cut + " AND id <= " + last1));
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE v = id AND id > " + last1) != "0");
    auto rerun = run_pgsafe(p.args(*db));
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    CHECK(rerun.err.find("resuming the batches in 2 parts") != std::string::npos);
    exec(db->dsn(), "UPDATE plain_copy SET v = v + 1000");
    CHECK(digest(db->dsn(), "t") == digest(db->dsn(), "plain_copy"));
}

TEST_CASE("a worker session that fails leaves the rest of its part to the migration's session",
          "[db][batches][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_table);
    Project p(k_config + k_two +
              "[timeouts]\nlock_timeout_ms = 200\n[retry]\ninitial_ms = 100\nmax_ms = 200\n");
    p.add("V1__bump.sql", "UPDATE t SET v = v + 1000;\n");
    // The application holds the last row, in the second part, for 3 s: the
    // worker's batch times out and the worker stops; the migration's session
    // takes its keys over and waits, retrying, until the row is free.
    pqxx::connection app(db->dsn());
    pqxx::work hold(app);
    hold.exec("SELECT * FROM t WHERE id = 12000 FOR UPDATE");
    std::thread release([&] {
        std::this_thread::sleep_for(3s);
        hold.commit();
    });
    auto run = run_pgsafe(p.args(*db));
    release.join();
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("the session running part 2 of 2 stopped") != std::string::npos);
    CHECK(run.err.find("going on with its keys in this one") != std::string::npos);
    exec(db->dsn(), "UPDATE plain_copy SET v = v + 1000");
    CHECK(digest(db->dsn(), "t") == digest(db->dsn(), "plain_copy"));
}

TEST_CASE("batches stay in one session where a new session would not run them as the migration's does",
          "[db][batches]") {
    struct Case {
        const char* name;
        const char* before;  // in the migration, before the UPDATE
        const char* config;  // appended to k_config
        const char* said;    // in the run's output
    };
    const Case cases[] = {
        {"a setting the migration made", "SET work_mem = '7MB';\n", "batch_workers = 2\n",
         "running the batches in 1 session: the migration changed this session"},
        {"a temporary table the migration made", "CREATE TEMPORARY TABLE scratch (x int);\n",
         "batch_workers = 2\n", "running the batches in 1 session: the migration changed this session"},
        {"repeatable read transactions", "SET default_transaction_isolation = 'repeatable read';\n",
         "batch_workers = 2\n", "transactions default to repeatable read isolation"},
        {"batch_workers = 1 (the default)", "", "", ""},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            auto db = pgsafe::test::scratch_database();
            if (!db) return;
            exec(db->dsn(), k_table);
            Project p(k_config + c.config);
            p.add("V1__bump.sql", std::string(c.before) + "UPDATE t SET v = v * 2 + 1;\n");
            auto run = run_pgsafe(p.args(*db));
            INFO(run.out << run.err);
            REQUIRE(run.exit_code == 0);
            CHECK(run.err.find(c.said) != std::string::npos);
            CHECK(run.err.find("more session") == std::string::npos);
            CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE batch_last ? 'values'") == "1");
            exec(db->dsn(), "UPDATE plain_copy SET v = v * 2 + 1");
            CHECK(digest(db->dsn(), "t") == digest(db->dsn(), "plain_copy"));
        }
    }
}
