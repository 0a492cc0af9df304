// The runner against the faults of issue 12 that migrate_test.cpp does not
// cover: row-lock waits, autovacuum in the way, session state a migration
// sets, a lost connection, a malformed tracking row, and what the terminal
// is shown. Each runs the built binary against a real PostgreSQL.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <chrono>
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

using Project = pgsafe::test::MigrateProject;

json migrate_json(const ProcessResult& r) {
    INFO(r.out << r.err);
    return json::parse(r.out);
}

// Whether `text` is valid UTF-8 (no sequence cut short, no stray continuation byte).
bool valid_utf8(const std::string& text) {
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = c < 0x80             ? 1
                        : (c & 0xE0) == 0xC0 ? 2
                        : (c & 0xF0) == 0xE0 ? 3
                        : (c & 0xF8) == 0xF0 ? 4
                                             : 0;
        if (n == 0 || i + n > text.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

// A role of this test only (roles are cluster-wide), dropped with what it owns.
struct TestRole {
    std::string name;
    const ScratchDatabase& db;
    TestRole(const ScratchDatabase& database, const std::string& suffix)
        : name(database.name() + "_" + suffix), db(database) {
        exec(db.admin_dsn(), "CREATE ROLE \"" + name + "\" NOLOGIN");
    }
    ~TestRole() {
        try {
            exec(db.dsn(), "DROP OWNED BY \"" + name + "\"");
            exec(db.admin_dsn(), "DROP ROLE \"" + name + "\"");
        } catch (const std::exception&) {
        }
    }
};

}  // namespace

TEST_CASE(
    "UPDATE … WHERE run as written waits for a row lock in short tries, names the writer and reports the "
    "wait",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE accounts (id int PRIMARY KEY, v int NOT NULL);"
         "INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 100) g; ANALYZE accounts;");
    Project p;
    p.add("V1__bump.sql", "UPDATE accounts SET v = v + 1 WHERE id <= 100;\n");

    auto plan =
        run_pgsafe({"plan", p.migrations, "--db", db->dsn(), "--config", p.config, "--format", "json"});
    REQUIRE(plan.exit_code == 0);
    INFO(plan.out);
    // The short class: a row lock held while it waits blocks the writers of those rows.
    CHECK(plan.out.find("\"lock_timeout_ms\": 100") != std::string::npos);
    CHECK(plan.out.find("\"lock_timeout_ms\": 60000") == std::string::npos);

    pqxx::connection holder(db->dsn());
    pqxx::work hold(holder);
    hold.exec("UPDATE accounts SET v = v WHERE id = 50");  // a row lock, held until commit
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    // With the 60 s online class the UPDATE sat in the row-lock wait, silent,
    // and writers of rows 1..49 waited behind it; now it gives up after
    // 100 ms, says so, and names the transaction holding the row.
    std::string pid = std::to_string(holder.backendpid());
    REQUIRE(eventually([&] {
        return runner.err_so_far().find("waiting for ROW EXCLUSIVE") != std::string::npos &&
               runner.err_so_far().find("pid " + pid) != std::string::npos;
    }));
    pqxx::connection writer(db->dsn());
    pqxx::nontransaction write(writer);
    write.exec("SET lock_timeout = '30s'");
    write.exec("UPDATE accounts SET v = v WHERE id = 10");  // a row pgsafe's UPDATE locks before id 50
    hold.commit();
    ProcessResult r = runner.wait();
    CHECK(r.exit_code == 0);
    json out = migrate_json(r);
    CHECK(out["applied"][0]["retries"].get<int>() >= 1);
    CHECK(out["applied"][0]["lock_wait_ms"].get<long long>() > 0);
    CHECK(std::stoll(value(db->dsn(), "SELECT lock_wait_ms FROM pgsafe.steps WHERE version = '1'")) > 0);
    CHECK(value(db->dsn(), "SELECT sum(v) FROM accounts") == "100");  // applied once
}

TEST_CASE("session state a migration sets does not break pgsafe's tracking writes", "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TestRole app(*db, "app");
    exec(db->dsn(), "GRANT CREATE ON SCHEMA public TO \"" + app.name + "\"");
    Project p;
    // With standard_conforming_strings off, a backslash in a literal escapes;
    // pgsafe's records of these steps hold one.
    p.add("V1__escapes.sql",
          "SET standard_conforming_strings = off;\nCREATE TABLE notes (body text);\n"
          "INSERT INTO notes VALUES (E'it\\'s a \\\\ backslash');\n");
    // A role that may not write the tracking tables.
    p.add("V2__role.sql", "SET ROLE \"" + app.name + "\";\nCREATE TABLE owned_by_app (id int);\n");
    p.add("V3__authorization.sql",
          "RESET ROLE;\nSET SESSION AUTHORIZATION \"" + app.name + "\";\nSELECT 1;\n");
    // Every transaction after it is read-only; the SELECT still runs, as in psql.
    p.add("V4__read_only.sql", "SET default_transaction_read_only = on;\nSELECT 1;\n");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(migrate_json(r)["applied"].size() == 4);
    CHECK(value(db->dsn(), "SELECT body FROM notes") == "it's a \\ backslash");
    CHECK(value(db->dsn(), "SELECT tableowner FROM pg_tables WHERE tablename = 'owned_by_app'") == app.name);
    CHECK(value(db->dsn(), "SELECT string_agg(DISTINCT applied_by, ',') FROM pgsafe.migrations") ==
          "postgres");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE state <> 'applied'") == "0");
    CHECK(value(db->dsn(), "SELECT sql FROM pgsafe.steps WHERE version = '1' AND step = 3") ==
          "INSERT INTO notes VALUES (E'it\\'s a \\\\ backslash')");
    CHECK(value(db->dsn(), "SELECT DISTINCT role FROM pgsafe.events") == "postgres");

    // A statement the migration's own setting makes fail fails as in psql,
    // is recorded, and the error names the setting.
    p.add("V5__then_write.sql", "SET default_transaction_read_only = on;\nCREATE TABLE after_ro (id int);\n");
    auto failed = p.migrate(*db, {"--format", "json"});
    INFO(failed.out << failed.err);
    CHECK(failed.exit_code == 4);
    std::string message = migrate_json(failed)["error"]["message"];
    CHECK(message.find("read-only transaction") != std::string::npos);
    CHECK(message.find("`SET default_transaction_read_only = on` at ") != std::string::npos);
    CHECK(message.find("V5__then_write.sql:1") != std::string::npos);
    CHECK(state_of(*db, "5") == "failed");
}

TEST_CASE(
    "the work session terminated while idle: the error says the connection was lost and what was recorded",
    "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), "CREATE TABLE t (id int)");
    Project p("[retry]\ninitial_ms = 2000\nmax_ms = 2000\ndeadline_s = 600\n");
    p.add("V1__col.sql", "CREATE TABLE first (id int);\nALTER TABLE t ADD COLUMN note text;\n");
    pqxx::connection holder(db->dsn());
    pqxx::work hold(holder);
    hold.exec("SELECT count(*) FROM t");  // ACCESS SHARE until commit: the ALTER waits
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db, {"--format", "json"}));
    REQUIRE(eventually(
        [&] { return runner.err_so_far().find("waiting for ACCESS EXCLUSIVE") != std::string::npos; }));
    // Between two tries the work session is idle; end it there.
    std::string work = value(db->dsn(),
                             "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgsafe migrate' "
                             "AND datname = current_database() LIMIT 1");
    REQUIRE(!work.empty());
    exec(db->admin_dsn(), "SELECT pg_terminate_backend(" + work + ")");
    ProcessResult r = runner.wait();
    hold.commit();
    CHECK(r.exit_code == 4);
    std::string message = migrate_json(r)["error"]["message"];
    INFO(message);
    CHECK(message.find("client encoding") == std::string::npos);
    CHECK(message.find("lost the connection to the server") != std::string::npos);
    CHECK(message.find("recorded through a new connection: migration 1 failed at step 2") !=
          std::string::npos);
    CHECK(state_of(*db, "1") == "failed");
    CHECK(p.migrate(*db).exit_code == 0);
}

TEST_CASE("a malformed row in pgsafe.steps is named, not an internal error", "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__broken.sql", "CREATE TABLE a (id int);\nINSERT INTO missing VALUES (1);\n");
    CHECK(p.migrate(*db).exit_code == 4);
    exec(db->dsn(),
         "UPDATE pgsafe.steps SET definition = '{\"format\": 1}' WHERE version = '1' AND step = 2");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    std::string text = r.out + r.err;
    CHECK(text.find("pgsafe.steps for migration 1, step 2") != std::string::npos);
    CHECK(text.find("malformed") != std::string::npos);
    CHECK(text.find("json.exception") == std::string::npos);
    auto status = run_pgsafe({"status", p.migrations, "--db", db->dsn()});
    CHECK(status.exit_code == 4);
    CHECK((status.out + status.err).find("pgsafe.steps for migration 1, step 2") != std::string::npos);
}

TEST_CASE("progress lines escape control characters and never cut a UTF-8 character", "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    // The step line shows the first 100 bytes of the statement: "é" (2 bytes) straddles byte 97.
    std::string padding(78, 'x');
    p.add("V1__names.sql",
          "CREATE TABLE \"red\x1b[31m\x07\" (id int);\n"
          "CREATE TABLE t_" +
              padding + " (\"ééééééééé\" int);\n");
    auto r = p.migrate(*db);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find('\x1b') == std::string::npos);
    CHECK(r.err.find('\x07') == std::string::npos);
    CHECK(r.err.find("red\\x1b[31m\\x07") != std::string::npos);
    CHECK(valid_utf8(r.err));
    CHECK(value(db->dsn(),
                "SELECT count(*) FROM pg_class WHERE relname = 'red' || chr(27) || '[31m' || chr(7)") == "1");
}

namespace {

// autovacuum_naptime 1 s for the test's duration (server-wide; restored after).
struct FastAutovacuum {
    std::string admin;
    explicit FastAutovacuum(const std::string& admin_dsn) : admin(admin_dsn) {
        exec(admin, "ALTER SYSTEM SET autovacuum_naptime = 1");
        exec(admin, "SELECT pg_reload_conf()");
    }
    ~FastAutovacuum() {
        try {
            exec(admin, "ALTER SYSTEM RESET autovacuum_naptime");
            exec(admin, "SELECT pg_reload_conf()");
        } catch (const std::exception&) {
        }
    }
};

}  // namespace

TEST_CASE(
    "an ordinary autovacuum in the way of a step is cancelled, as PostgreSQL would after deadlock_timeout",
    "[db][migrate][fault][autovacuum]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    // A real autovacuum worker, slowed down so that it holds its SHARE UPDATE
    // EXCLUSIVE lock on the table for minutes: every page costs it a sleep.
    exec(db->dsn(),
         "CREATE TABLE big (id int, pad text) WITH (autovacuum_vacuum_cost_delay = 100, "
         "autovacuum_vacuum_cost_limit = 1, autovacuum_vacuum_threshold = 0, "
         "autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 2000000000);"
         "INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, 300000) g;");
    exec(db->dsn(), "DELETE FROM big WHERE id % 2 = 0");
    FastAutovacuum fast(db->admin_dsn());
    std::string worker_query =
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = "
        "current_database() AND query LIKE '%big%'";
    if (!eventually([&] { return !value(db->dsn(), worker_query).empty(); }, 90s)) {
        WARN("no autovacuum worker started on the table within 90 s; the test could not set up its blocker");
        return;
    }
    std::string worker = value(db->dsn(), worker_query);
    Project p("[retry]\ndeadline_s = 30\n");
    p.add("V1__col.sql", "ALTER TABLE big ADD COLUMN note text;\n");
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    // Before: 100 ms tries behind the vacuum until the deadline, exit 6.
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("cancelled the autovacuum worker pid " + worker) != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) > 0 FROM pgsafe.events WHERE kind = 'autovacuum-cancelled'") ==
          "t");
    CHECK(value(db->dsn(), "SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'") ==
          "1");
}

TEST_CASE(
    "a migration file over the planning size limit is refused by plan and migrate, naming it, before "
    "anything runs",
    "[db][migrate]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__small.sql", "CREATE TABLE small (id int);\n");
    std::string big;
    big.reserve(18 * 1024 * 1024);
    while (big.size() < 17 * 1024 * 1024) big += "INSERT INTO small VALUES (1);\n";
    p.add("V2__bulk.sql", big);
    auto plan = run_pgsafe({"plan", p.migrations, "--config", p.config});
    CHECK(plan.exit_code == 2);
    CHECK(plan.err.find("V2__bulk.sql: 17.0 MB is over the 16 MB") != std::string::npos);
    auto r = p.migrate(*db, {"--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(migrate_json(r)["error"]["message"].get<std::string>().find("V2__bulk.sql: 17.0 MB") !=
          std::string::npos);
    CHECK(value(db->dsn(), "SELECT to_regclass('small') IS NULL") == "t");  // planned before anything ran
}
