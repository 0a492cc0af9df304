// What an interrupted REINDEX … CONCURRENTLY or DETACH PARTITION …
// CONCURRENTLY leaves behind, repaired by the rerun of its migration the
// way PostgreSQL's docs say (issue 12, item 4): the INVALID _ccnew index
// dropped before reindexing again, the pending detach finished with
// FINALIZE. Each runs the built binary against a real PostgreSQL.

#include "migrate_project.hpp"
#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <filesystem>
#include <functional>
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

// items with an index whose expression fails while `flag` has a row: a
// concurrent rebuild of it fails after creating its _ccnew index, as a crash
// would leave it.
const char* const k_guarded_index = R"sql(
CREATE TABLE flag (up boolean);
CREATE FUNCTION guarded(v int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.flag) THEN RAISE EXCEPTION 'the rebuild fails'; END IF;
    RETURN v;
END
$$;
CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO items SELECT g, g FROM generate_series(1, 100) g;
CREATE INDEX items_v_idx ON items (guarded(v));
INSERT INTO flag VALUES (true);
)sql";

// "name valid" of each index of items, by name: "items_pkey true,…".
std::string indexes_of_items(const ScratchDatabase& db) {
    return value(db.dsn(),
                 "SELECT string_agg(indexrelid::regclass || ' ' || indisvalid, ',' ORDER BY "
                 "indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'items'::regclass");
}

// events, partitioned by year, and a migration that detaches 2023 concurrently;
// its first run is interrupted once the detach is pending: a reader's
// REPEATABLE READ snapshot keeps it waiting, and its statement is cancelled.
// The wait is a lock wait, so each attempt also ends at lock_timeout and is
// retried (by then with FINALIZE); a cancel that falls between attempts
// misses, so the project's retry deadline (k_detach_toml) ends the first run
// in seconds either way instead of the default 600 s.
const char* const k_detach_toml = "[retry]\ndeadline_s = 5\n";

void interrupted_detach(const ScratchDatabase& db, const Project& p) {
    exec(db.dsn(), R"sql(
CREATE TABLE events (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2023-01-01' + g FROM generate_series(1, 700) g;
)sql");
    p.add("V1__detach.sql", "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;\n");
    pqxx::connection reader(db.dsn());
    pqxx::transaction<pqxx::isolation_level::repeatable_read> hold(reader);
    hold.exec("SELECT count(*) FROM events");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(db));
    REQUIRE(eventually([&] {
        return value(db.dsn(),
                     "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = "
                     "'events_2023'::regclass") == "t";
    }));
    exec(db.admin_dsn(),
         "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgsafe migrate' "
         "AND query LIKE '%DETACH PARTITION%' AND state = 'active' AND datname = '" +
             db.name() + "'");
    auto first = runner.wait();
    INFO(first.err);
    CHECK(first.exit_code != 0);
    hold.commit();
    REQUIRE(value(db.dsn(),
                  "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = 'events_2023'::regclass") ==
            "t");
    REQUIRE(state_of(db, "1") != "applied");
}

}  // namespace

TEST_CASE("a failed REINDEX INDEX CONCURRENTLY: the rerun drops the INVALID _ccnew index it left",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_guarded_index);
    Project p;
    p.add("V1__reindex.sql", "REINDEX INDEX CONCURRENTLY items_v_idx;\n");
    auto first = p.migrate(*db);
    INFO(first.err);
    REQUIRE(first.exit_code != 0);
    REQUIRE(state_of(*db, "1") == "failed");
    REQUIRE(value(db->dsn(),
                  "SELECT indisvalid FROM pg_index WHERE indexrelid = "
                  "to_regclass('items_v_idx_ccnew')") == "f");

    exec(db->dsn(), "DELETE FROM flag");
    auto rerun = p.migrate(*db);
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    CHECK(rerun.err.find("dropping the INVALID index public.items_v_idx_ccnew") != std::string::npos);
    CHECK(state_of(*db, "1") == "applied");
    CHECK(indexes_of_items(*db) == "items_pkey true,items_v_idx true");
    CHECK(value(db->dsn(),
                "SELECT string_agg(detail->>'index', ',') FROM pgsafe.events "
                "WHERE kind = 'reindex-cleanup'") == "public.items_v_idx_ccnew");
}

TEST_CASE("a failed REINDEX TABLE CONCURRENTLY: the rerun drops its leftovers and no other INVALID index",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_guarded_index);
    // Someone else's failed build: INVALID, but not the REINDEX's to drop.
    CHECK_THROWS(exec(db->dsn(), "CREATE INDEX CONCURRENTLY items_other ON items (guarded(id))"));
    Project p;
    p.add("V1__reindex.sql", "REINDEX TABLE CONCURRENTLY items;\n");
    auto first = p.migrate(*db);
    INFO(first.err);
    REQUIRE(first.exit_code != 0);
    REQUIRE(value(db->dsn(),
                  "SELECT count(*) FROM pg_index WHERE indrelid = 'items'::regclass "
                  "AND NOT indisvalid AND indexrelid::regclass::text LIKE '%\\_ccnew'") == "2");

    exec(db->dsn(), "DELETE FROM flag");
    auto rerun = p.migrate(*db);
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    CHECK(state_of(*db, "1") == "applied");
    CHECK(indexes_of_items(*db) == "items_other false,items_pkey true,items_v_idx true");
    CHECK(value(db->dsn(),
                "SELECT string_agg(detail->>'index', ',' ORDER BY detail->>'index') FROM pgsafe.events "
                "WHERE kind = 'reindex-cleanup'") == "public.items_pkey_ccnew,public.items_v_idx_ccnew");
}

TEST_CASE("an interrupted DETACH PARTITION CONCURRENTLY: the rerun finishes it with FINALIZE",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p{k_detach_toml};
    interrupted_detach(*db, p);

    auto rerun = p.migrate(*db);
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    CHECK(rerun.err.find("finishing it with FINALIZE") != std::string::npos);
    CHECK(state_of(*db, "1") == "applied");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pg_inherits WHERE inhrelid = 'events_2023'::regclass") ==
          "0");
    CHECK(value(db->dsn(), "SELECT count(*) FROM events_2023") == "364");
    CHECK(value(db->dsn(), "SELECT count(*) FROM events") == "336");
    CHECK(value(db->dsn(), "SELECT detail->>'partition' FROM pgsafe.events WHERE kind = 'detach-finalize'") ==
          "events_2023");
}

TEST_CASE("a DETACH PARTITION CONCURRENTLY finished by hand after an interrupted run counts as done",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p{k_detach_toml};
    interrupted_detach(*db, p);
    exec(db->dsn(), "ALTER TABLE events DETACH PARTITION events_2023 FINALIZE");

    auto rerun = p.migrate(*db);
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    CHECK(rerun.err.find("an earlier run finished this step") != std::string::npos);
    CHECK(state_of(*db, "1") == "applied");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pg_inherits WHERE inhrelid = 'events_2023'::regclass") ==
          "0");
}

TEST_CASE("a REINDEX CONCURRENTLY retried after a lock timeout drops the _ccnew index its try left",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), R"sql(
CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO items SELECT g, g FROM generate_series(1, 100) g;
CREATE INDEX items_v_idx ON items (v);
)sql");
    Project p{"[timeouts]\nonline_lock_timeout_ms = 200\n"};  // a try gives up soon, and is retried
    p.add("V1__reindex.sql", "REINDEX INDEX CONCURRENTLY items_v_idx;\n");
    // An open write: the rebuild waits for it after creating items_v_idx_ccnew, until lock_timeout.
    pqxx::connection writer(db->dsn());
    pqxx::work hold(writer);
    hold.exec("UPDATE items SET v = v WHERE id = 1");
    RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
    REQUIRE(eventually([&] {
        return value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'reindex-cleanup'") != "0";
    }));
    hold.commit();
    auto run = runner.wait();
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(state_of(*db, "1") == "applied");
    CHECK(indexes_of_items(*db) == "items_pkey true,items_v_idx true");
}
