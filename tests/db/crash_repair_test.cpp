// What an interrupted REINDEX … CONCURRENTLY or DETACH PARTITION …
// CONCURRENTLY leaves behind, repaired by the rerun of its migration the
// way PostgreSQL's docs say (issue 12, item 4): the INVALID _ccnew index
// dropped before reindexing again, the pending detach finished with
// FINALIZE; and the INVALID index of a failed CREATE INDEX CONCURRENTLY,
// looked for on the step's own table only. Each runs the built binary
// against a real PostgreSQL.

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

namespace {

// An index lives in its table's schema, which need not be the first on the
// search_path: app.items_v below is found first by its bare name, but the
// step builds public.items_v on public.items (BUG 2 of the adversarial test).
const char* const k_two_schemas = R"sql(
CREATE SCHEMA app;
CREATE TABLE app.other (v int);
INSERT INTO app.other VALUES (1), (1);
CREATE TABLE public.items (id int PRIMARY KEY, v int);
INSERT INTO public.items SELECT g, g FROM generate_series(1, 100) g;
INSERT INTO public.items VALUES (101, 1);
)sql";

std::string valid_of(const ScratchDatabase& db, const std::string& index) {
    return value(db.dsn(), "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('" + index + "')");
}

}  // namespace

TEST_CASE("a failed CREATE INDEX CONCURRENTLY is repaired on its own table, not by the index's bare name",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), k_two_schemas);
    exec(db->dsn(), "ALTER DATABASE " + db->name() + " SET search_path = app, public");
    Project p;
    p.add("V1__index.sql", "CREATE UNIQUE INDEX CONCURRENTLY items_v ON items (v);\n");

    SECTION("a valid index of that name on another schema's table is not the step's") {
        exec(db->dsn(), "CREATE INDEX items_v ON app.other (v)");
        auto first = p.migrate(*db);  // the duplicate v = 1 fails the build
        INFO(first.err);
        REQUIRE(first.exit_code != 0);
        REQUIRE(valid_of(*db, "public.items_v") == "f");
        exec(db->dsn(), "DELETE FROM public.items WHERE id = 101");
        auto rerun = p.migrate(*db);
        INFO(rerun.err);
        REQUIRE(rerun.exit_code == 0);
        CHECK(rerun.err.find("an earlier run finished this step") == std::string::npos);
        CHECK(rerun.err.find("dropping the INVALID index public.items_v") != std::string::npos);
        CHECK(state_of(*db, "1") == "applied");
        CHECK(valid_of(*db, "public.items_v") == "t");
        CHECK(valid_of(*db, "app.items_v") == "t");
    }
    SECTION("an INVALID index of that name on another schema's table is left alone") {
        // Another team's failed build: INVALID app.items_v on app.other.
        try {
            exec(db->dsn(), "CREATE UNIQUE INDEX CONCURRENTLY items_v ON app.other (v)");
        } catch (const std::exception&) {
        }
        REQUIRE(valid_of(*db, "app.items_v") == "f");
        exec(db->dsn(), "DELETE FROM public.items WHERE id = 101");
        auto run = p.migrate(*db);
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        CHECK(run.err.find("dropping the INVALID index") == std::string::npos);
        CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'index-cleanup'") == "0");
        CHECK(valid_of(*db, "public.items_v") == "t");
        CHECK(valid_of(*db, "app.items_v") == "f");
    }
}

TEST_CASE("CREATE INDEX CONCURRENTLY IF NOT EXISTS skips an INVALID index it did not leave, as psql does",
          "[db][migrate][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), R"sql(
CREATE TABLE t (a int);
CREATE TABLE u (b int);
INSERT INTO u VALUES (1), (1);
)sql");
    Project p;
    SECTION("on another table") {
        // A failed build on u leaves INVALID index i there (/tmp/adv1 §18).
        try {
            exec(db->dsn(), "CREATE UNIQUE INDEX CONCURRENTLY i ON u (b)");
        } catch (const std::exception&) {
        }
        REQUIRE(valid_of(*db, "i") == "f");
        p.add("V1__index.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n");
        auto run = p.migrate(*db);
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        CHECK(run.err.find("dropping the INVALID index") == std::string::npos);
        CHECK(value(db->dsn(),
                    "SELECT indrelid::regclass::text FROM pg_index WHERE indexrelid = 'i'::regclass") == "u");
        CHECK(valid_of(*db, "i") == "f");
    }
    SECTION("on the step's own table, before the step was ever tried") {
        exec(db->dsn(), "INSERT INTO t VALUES (1), (1)");
        try {
            exec(db->dsn(), "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)");
        } catch (const std::exception&) {
        }
        REQUIRE(valid_of(*db, "i") == "f");
        p.add("V1__index.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n");
        auto run = p.migrate(*db);
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
        CHECK(run.err.find("dropping the INVALID index") == std::string::npos);
        CHECK(value(db->dsn(), "SELECT pg_get_indexdef('i'::regclass)") ==
              "CREATE UNIQUE INDEX i ON public.t USING btree (a)");
        CHECK(state_of(*db, "1") == "applied");
    }
}
