// `pgsafe adopt`, `pgsafe baseline` and coexistence against a real
// PostgreSQL 15: each tool's history table made as the tool makes it (the
// schema and rows of the version named in src/adopt/<tool>.cpp), the
// tool's SQL already applied, then `pgsafe adopt` and `pgsafe migrate`
// must apply exactly the newer files and leave the old table as it was,
// row for row (xmin included: nothing rewrote a row). Real dbmate and
// node-pg-migrate runs are in adopt_real_tools_test.cpp.

#include "migrate_project.hpp"
#include "process.hpp"
#include "runner/tracking.hpp"
#include "test_db.hpp"

#include "pgsafe/source/migration.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

using nlohmann::json;
using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

using pgsafe::test::exec;
using pgsafe::test::value;

namespace {

// Every row of `table` with its xmin, as text: any write to it changes this.
std::string snapshot(const std::string& dsn, const std::string& table) {
    return value(dsn, "SELECT string_agg(t::text || ' ' || t.xmin::text, E'\\n' ORDER BY t::text) FROM " +
                          table + " t");
}

// A migrate project that `pgsafe adopt` takes over; its runs answer in JSON.
struct Project : pgsafe::test::MigrateProject {
    ProcessResult adopt(const ScratchDatabase& db, const std::string& tool,
                        std::vector<std::string> extra = {}) const {
        std::vector<std::string> a = {"adopt", migrations, "--from", tool};
        a.insert(a.end(), extra.begin(), extra.end());
        return run(db, a);
    }
    ProcessResult migrate(const ScratchDatabase& db, std::vector<std::string> extra = {}) const {
        extra.insert(extra.begin(), {"--format", "json"});
        return MigrateProject::migrate(db, std::move(extra));
    }
};

std::vector<std::string> applied_now(const ProcessResult& r) {
    INFO(r.out << r.err);
    std::vector<std::string> out;
    json result = json::parse(r.out);  // kept: a range over a temporary's member would dangle
    for (const auto& a : result["applied"]) out.push_back(a["version"]);
    return out;
}

std::string states(const ScratchDatabase& db) {
    return value(db.dsn(),
                 "SELECT string_agg(version || '=' || state, ' ' ORDER BY started_at, version) FROM "
                 "pgsafe.migrations");
}

const char* k_a = "CREATE TABLE a (id int);\n";
const char* k_b = "CREATE TABLE b (id int);\n";
const char* k_c = "CREATE TABLE c (id int);\n";

// Flyway 10.x creates this table (PostgreSQL createMetaDataTable.sql) and these rows.
void flyway_history(const std::string& dsn, bool failed_third = false) {
    exec(dsn, R"sql(
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT,
    "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
CREATE TABLE a (id int); CREATE TABLE b (id int);
-- CRC32 of each file's lines, as a Java int (python: zlib.crc32(b"CREATE TABLE a (id int);"))
INSERT INTO flyway_schema_history VALUES
  (1, '1', 'a', 'SQL', 'V1__a.sql', -623083431, 'deploy', '2024-01-01 10:00:00', 5, true),
  (2, '2', 'b', 'SQL', 'V2__b.sql', 1128195672, 'deploy', '2024-01-02 10:00:00', 4, true);
)sql");
    if (failed_third)
        exec(dsn,
             "INSERT INTO flyway_schema_history VALUES (3, '3', 'c', 'SQL', 'V3__c.sql', 0, 'deploy', now(), "
             "1, false)");
}

}  // namespace

TEST_CASE("adopt from Flyway: migrate then applies only the newer file; the old table is untouched",
          "[db][adopt]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    flyway_history(db->dsn());
    Project p;
    p.add("V1__a.sql", k_a);
    p.add("V2__b.sql", k_b);
    p.add("V3__c.sql", k_c);
    std::string before = snapshot(db->dsn(), "flyway_schema_history");

    auto dry = p.adopt(*db, "flyway", {"--dry-run"});
    INFO(dry.out << dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("INSERT INTO pgsafe.migrations") != std::string::npos);
    CHECK(dry.out.find("flyway checksum verified") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT to_regclass('pgsafe.migrations')::text").empty());  // nothing recorded

    auto adopted = p.adopt(*db, "flyway");
    INFO(adopted.out << adopted.err);
    REQUIRE(adopted.exit_code == 0);
    CHECK(adopted.out.find("pending  3") != std::string::npos);
    CHECK(states(*db) == "1=adopted 2=adopted");
    CHECK(value(db->dsn(),
                "SELECT adopted_from->'row'->>'script' FROM pgsafe.migrations WHERE version = '2'") ==
          "V2__b.sql");
    CHECK(value(db->dsn(), "SELECT adopted_by = session_user FROM pgsafe.migrations WHERE version = '1'") ==
          "t");
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.events WHERE kind = 'adopted'") == "1");

    auto run = p.migrate(*db);
    CHECK(run.exit_code == 0);
    CHECK(applied_now(run) == std::vector<std::string>{"3"});
    CHECK(states(*db) == "1=adopted 2=adopted 3=applied");
    CHECK(snapshot(db->dsn(), "flyway_schema_history") == before);

    auto status = p.run(*db, {"status", p.migrations, "--exit-code"});
    CHECK(status.exit_code == 0);  // adopted counts as applied

    SECTION("coexistence: a row Flyway wrote after the switch is reported") {
        exec(db->dsn(),
             "INSERT INTO flyway_schema_history VALUES (3, '4', 'd', 'SQL', 'V4__d.sql', 1, 'ci', "
             "now(), 1, true)");
        auto again = p.migrate(*db);
        CHECK(again.exit_code == 0);
        CHECK(again.err.find("that pgsafe did not adopt") != std::string::npos);
        CHECK(again.err.find("V4__d.sql") != std::string::npos);
    }
    SECTION("coexistence: while Flyway holds its advisory lock, migrate waits and gives up naming it") {
        p.add("V4__d.sql", "CREATE TABLE d (id int);\n");
        pqxx::connection flyway(db->dsn());
        pqxx::nontransaction n(flyway);
        n.exec("SELECT pg_advisory_lock(77433833903597)");  // Flyway's key for public.flyway_schema_history
        auto blocked = p.migrate(*db, {"--lock-wait", "1"});
        CHECK(blocked.exit_code == 6);
        CHECK(blocked.err.find("flyway's advisory lock") != std::string::npos);
        CHECK(value(db->dsn(), "SELECT to_regclass('d')::text").empty());
        n.exec("SELECT pg_advisory_unlock_all()");
        auto after = p.migrate(*db);
        CHECK(applied_now(after) == std::vector<std::string>{"4"});
    }
    SECTION("coexistence ends when the old table is dropped") {
        exec(db->dsn(), "DROP TABLE flyway_schema_history");
        p.add("V4__d.sql", "CREATE TABLE d (id int);\n");
        pqxx::connection flyway(db->dsn());
        pqxx::nontransaction n(flyway);
        n.exec("SELECT pg_advisory_lock(77433833903597)");
        auto free = p.migrate(*db, {"--lock-wait", "1"});
        CHECK(free.exit_code == 0);
    }
}

TEST_CASE("adopt stops, records nothing and says why: changed file, failed run, missing file",
          "[db][adopt]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__a.sql", k_a);
    p.add("V2__b.sql", "CREATE TABLE b (id bigint);\n");  // edited after Flyway ran it
    p.add("V3__c.sql", k_c);

    SECTION("a checksum mismatch names the file; --accept-changed FILE takes it as it is now") {
        flyway_history(db->dsn());
        auto refused = p.adopt(*db, "flyway");
        CHECK(refused.exit_code == 5);
        CHECK(refused.err.find("V2__b.sql: changed since flyway ran it") != std::string::npos);
        CHECK(value(db->dsn(), "SELECT to_regclass('pgsafe.migrations')::text").empty());
        auto accepted = p.adopt(*db, "flyway", {"--accept-changed", p.migrations + "/V2__b.sql"});
        INFO(accepted.out << accepted.err);
        CHECK(accepted.exit_code == 0);
        CHECK(states(*db) == "1=adopted 2=adopted");
    }
    SECTION("Flyway's failed migration stops it with Flyway's words") {
        flyway_history(db->dsn(), true);
        auto refused = p.adopt(*db, "flyway", {"--accept-changed", "V2__b.sql"});
        CHECK(refused.exit_code == 5);
        CHECK(refused.err.find("Detected failed migration to version 3") != std::string::npos);
        CHECK(refused.err.find("flyway repair") != std::string::npos);
    }
    SECTION("a history row with no file is listed; --allow-missing goes on") {
        flyway_history(db->dsn());
        std::filesystem::remove(p.migrations + "/V1__a.sql");
        p.add("V2__b.sql", k_b);
        auto refused = p.adopt(*db, "flyway");
        CHECK(refused.exit_code == 5);
        CHECK(refused.err.find("flyway row 1 (a) has no migration file") != std::string::npos);
        auto allowed = p.adopt(*db, "flyway", {"--allow-missing"});
        CHECK(allowed.exit_code == 0);
        CHECK(states(*db) == "2=adopted");
    }
    SECTION("no history table, or another tool's: a usage error") {
        auto none = p.adopt(*db, "flyway");
        CHECK(none.exit_code == 2);
        CHECK(none.err.find("pgsafe baseline VERSION") != std::string::npos);
        exec(db->dsn(),
             "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)");
        auto other = p.adopt(*db, "dbmate");
        CHECK(other.exit_code == 2);
        CHECK(other.err.find("is not dbmate's history table") != std::string::npos);
    }
}

TEST_CASE("adopt from golang-migrate: its one row covers the files up to it; dirty stops", "[db][adopt]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    // golang-migrate v4.17 (database/postgres): CREATE TABLE IF NOT EXISTS schema_migrations (version bigint
    // not null primary key, dirty boolean not null)
    exec(db->dsn(),
         "CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null);"
         "CREATE TABLE a (id int); CREATE TABLE b (id int);"
         "INSERT INTO schema_migrations VALUES (2, true)");
    Project p;
    p.add("1_a.up.sql", k_a);
    p.add("1_a.down.sql", "DROP TABLE a;\n");
    p.add("2_b.up.sql", k_b);
    p.add("3_c.up.sql", k_c);
    auto dirty = p.adopt(*db, "golang-migrate");
    CHECK(dirty.exit_code == 5);
    CHECK(dirty.err.find("Dirty database version 2. Fix and force version.") != std::string::npos);

    exec(db->dsn(), "UPDATE schema_migrations SET dirty = false");  // what `migrate force 2` does
    std::string before = snapshot(db->dsn(), "schema_migrations");
    auto adopted = p.adopt(*db, "golang-migrate");
    INFO(adopted.out << adopted.err);
    REQUIRE(adopted.exit_code == 0);
    auto run = p.migrate(*db);
    CHECK(applied_now(run) == std::vector<std::string>{"3"});
    CHECK(snapshot(db->dsn(), "schema_migrations") == before);
}

TEST_CASE("adopt from sqlx verifies its SHA-384; from goose reads the latest row per version",
          "[db][adopt]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("1_a.sql", k_a);
    p.add("2_b.sql", k_b);
    p.add("3_c.sql", k_c);
    SECTION("sqlx") {
        // sqlx 0.8 (sqlx-postgres migrate.rs, ensure_migrations_table) and its rows
        exec(db->dsn(), R"sql(
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);
CREATE TABLE a (id int); CREATE TABLE b (id int);
INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
  (1, 'a', true, sha384(convert_to(E'CREATE TABLE a (id int);\n', 'UTF8')), 1000),
  (2, 'b', true, sha384(convert_to(E'CREATE TABLE b (id int);\n', 'UTF8')), 1000);
)sql");
        std::string before = snapshot(db->dsn(), "_sqlx_migrations");
        auto adopted = p.adopt(*db, "sqlx");
        INFO(adopted.out << adopted.err);
        REQUIRE(adopted.exit_code == 0);
        CHECK(adopted.out.find("sqlx checksum verified") != std::string::npos);
        CHECK(applied_now(p.migrate(*db)) == std::vector<std::string>{"3"});
        CHECK(snapshot(db->dsn(), "_sqlx_migrations") == before);
    }
    SECTION("goose") {
        // goose v3 (internal/dialect/dialectquery/postgres.go CreateTable) and its rows: 3 ran, then went
        // down
        exec(db->dsn(), R"sql(
CREATE TABLE goose_db_version (
    id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, version_id bigint NOT NULL,
    is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now());
CREATE TABLE a (id int); CREATE TABLE b (id int);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (3, false);
)sql");
        auto adopted = p.adopt(*db, "goose");
        INFO(adopted.out << adopted.err);
        REQUIRE(adopted.exit_code == 0);
        CHECK(applied_now(p.migrate(*db)) == std::vector<std::string>{"3"});
    }
}

TEST_CASE("adopt from Prisma: folder-named rows, line-ending variants, and P3009 stops", "[db][adopt]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    // Prisma 5 (schema-engine, postgres): the _prisma_migrations table
    exec(db->dsn(), R"sql(
CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "_prisma_migrations_pkey" PRIMARY KEY ("id"));
CREATE TABLE a (id int);
INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES
  ('0f0e0d0c-0000-4000-8000-000000000001', encode(sha256(convert_to(E'CREATE TABLE a (id int);\n', 'UTF8')), 'hex'),
   now(), '20240101000000_a', 1);
)sql");
    Project p;
    p.add("20240101000000_a.sql",
          "CREATE TABLE a (id int);\r\n");  // checked out with CRLF: Prisma accepts it
    p.add("20240201000000_b.sql", k_b);
    auto adopted = p.adopt(*db, "prisma");
    INFO(adopted.out << adopted.err);
    REQUIRE(adopted.exit_code == 0);
    CHECK(adopted.out.find("prisma checksum verified") != std::string::npos);
    CHECK(applied_now(p.migrate(*db)) == std::vector<std::string>{"20240201000000"});

    exec(db->dsn(),
         "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES "
         "('0f0e0d0c-0000-4000-8000-000000000002', 'x', '20240301000000_c', now())");
    auto failed = p.adopt(*db, "prisma");
    CHECK(failed.exit_code == 5);
    CHECK(failed.err.find("P3009") != std::string::npos);
    CHECK(failed.err.find("prisma migrate resolve") != std::string::npos);
}

TEST_CASE("Rails is adopted as a baseline; pgsafe baseline starts after a version", "[db][adopt]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__a.sql", k_a);
    p.add("V2__b.sql", k_b);
    SECTION("rails") {
        // Active Record 7: schema_migrations (version varchar PRIMARY KEY) and ar_internal_metadata
        exec(db->dsn(),
             "CREATE TABLE schema_migrations (version character varying NOT NULL PRIMARY KEY);"
             "CREATE TABLE ar_internal_metadata (key character varying NOT NULL PRIMARY KEY, value "
             "character varying, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);"
             "INSERT INTO schema_migrations VALUES ('20230101000000'), ('20240101000000')");
        auto adopted = p.adopt(*db, "rails");
        INFO(adopted.out << adopted.err);
        REQUIRE(adopted.exit_code == 0);
        CHECK(adopted.out.find("pgsafe starts after its version 20240101000000") != std::string::npos);
        CHECK(value(db->dsn(), "SELECT baseline FROM pgsafe.adoptions") == "20240101000000");
        CHECK(applied_now(p.migrate(*db)) == std::vector<std::string>{"1", "2"});
    }
    SECTION("pgsafe baseline") {
        exec(db->dsn(), k_a);
        auto base = p.run(*db, {"baseline", "1", p.migrations});
        INFO(base.out << base.err);
        REQUIRE(base.exit_code == 0);
        CHECK(states(*db) == "1=adopted");
        CHECK(applied_now(p.migrate(*db)) == std::vector<std::string>{"2"});
    }
}

TEST_CASE("a version-1 tracking schema is upgraded by adopt, and its applied migrations stay applied",
          "[db][adopt]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__a.sql", k_a);
    p.add("V2__b.sql", k_b);
    p.add("V3__c.sql", k_c);
    // The first tracking-schema version, as a pgsafe before adopt left it, with migration 1 applied.
    exec(db->dsn(), pgsafe::runner::tracking_upgrades(0).front());
    exec(db->dsn(), std::string(k_a) +
                        "INSERT INTO pgsafe.migrations (version, name, checksum, state, "
                        "tool_version, plan) VALUES ('1', 'a', '" +
                        pgsafe::source::sha256_checksum(k_a) + "', 'applied', '0.1.0', '{}')");
    exec(db->dsn(), "CREATE TABLE b (id int)");
    auto base = p.run(*db, {"baseline", "2", p.migrations});
    INFO(base.out << base.err);
    REQUIRE(base.exit_code == 0);
    CHECK(states(*db) == "1=applied 2=adopted");
    CHECK(applied_now(p.migrate(*db)) == std::vector<std::string>{"3"});
}
