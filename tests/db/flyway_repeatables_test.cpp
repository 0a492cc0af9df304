// Flyway repeatable migrations (R__<description>.sql) through the CLI and a
// real PostgreSQL: adopted from flyway_schema_history with their latest
// checksum, so an unchanged repeatable is not run again and a changed one
// is; run after the versioned migrations whenever their checksum changes;
// shown by status; never a drift refusal.

#include "process.hpp"
#include "test_db.hpp"

#include "pgsafe/adopt/history.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

using nlohmann::json;
using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

using pgsafe::test::exec;
using pgsafe::test::value;

namespace {

struct Project {
    TempDir dir;
    std::string migrations;
    std::string config;
    Project() {
        migrations = dir.path() + "/sql";
        std::filesystem::create_directories(migrations);
        config = dir.write("pgsafe.toml", "layout = \"flyway\"\n");
    }
    void add(const std::string& file, const std::string& sql) const { dir.write("sql/" + file, sql); }
    ProcessResult run(const ScratchDatabase& db, std::vector<std::string> args) const {
        args.insert(args.end(), {"--db", db.dsn(), "--config", config});
        return run_pgsafe(args);
    }
    std::vector<std::string> migrate(const ScratchDatabase& db) const {
        auto r = run(db, {"migrate", migrations, "--format", "json"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        std::vector<std::string> out;
        json result = json::parse(r.out);
        for (const auto& a : result["applied"]) out.push_back(a["version"]);
        return out;
    }
    // version=state of every file, as `pgsafe status --format json` says it.
    std::string status(const ScratchDatabase& db) const {
        auto r = run(db, {"status", migrations, "--format", "json"});
        INFO(r.out << r.err);
        json report = json::parse(r.out);
        std::string out;
        for (const auto& m : report["migrations"])
            out += (out.empty() ? "" : " ") + m["version"].get<std::string>() + "=" +
                   m["state"].get<std::string>();
        return out;
    }
};

const char* k_a = "CREATE TABLE a (id int);\n";
const char* k_b = "CREATE TABLE b (id int);\n";
const char* k_same = "CREATE OR REPLACE VIEW same_v AS SELECT 1 AS n;\n";
const char* k_changed_old = "CREATE OR REPLACE VIEW changed_v AS SELECT 1 AS n;\n";
const char* k_changed_now = "CREATE OR REPLACE VIEW changed_v AS SELECT 2 AS n;\n";
const char* k_new = "CREATE OR REPLACE VIEW new_v AS SELECT 3 AS n;\n";

// What Flyway 10 leaves after V1, V2 and the repeatables "same" (run twice: its
// latest row has the file's checksum now) and "changed" (run once, with the old
// text): flyway_schema_history as createMetaDataTable.sql makes it; repeatable
// rows have version NULL and type SQL.
void flyway_history(const std::string& dsn) {
    using pgsafe::adopt::flyway_checksum;
    exec(dsn, R"sql(
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT,
    "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE TABLE a (id int); CREATE TABLE b (id int);
CREATE VIEW same_v AS SELECT 1 AS n; CREATE VIEW changed_v AS SELECT 1 AS n;)sql");
    exec(dsn, fmt::format(R"sql(INSERT INTO flyway_schema_history VALUES
  (1, '1', 'a', 'SQL', 'V1__a.sql', {}, 'deploy', '2024-01-01 10:00:00', 5, true),
  (2, '2', 'b', 'SQL', 'V2__b.sql', {}, 'deploy', '2024-01-02 10:00:00', 4, true),
  (3, NULL, 'same', 'SQL', 'R__same.sql', 12345, 'deploy', '2024-01-02 10:00:01', 1, true),
  (4, NULL, 'changed', 'SQL', 'R__changed.sql', {}, 'deploy', '2024-01-02 10:00:02', 1, true),
  (5, NULL, 'same', 'SQL', 'R__same.sql', {}, 'deploy', '2024-01-03 10:00:00', 1, true))sql",
                          flyway_checksum(k_a), flyway_checksum(k_b), flyway_checksum(k_changed_old),
                          flyway_checksum(k_same)));
}

}  // namespace

TEST_CASE("Flyway repeatables: adopted with their latest checksum, rerun only when changed",
          "[db][adopt][flyway]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    flyway_history(db->dsn());
    Project p;
    p.add("V1__a.sql", k_a);
    p.add("V2__b.sql", k_b);
    p.add("V3__c.sql", "CREATE TABLE c (id int);\n");
    p.add("R__same.sql", k_same);
    p.add("R__changed.sql", k_changed_now);
    p.add("R__new.sql", k_new);
    std::string before =
        value(db->dsn(), "SELECT string_agg(t::text, ';' ORDER BY 1) FROM flyway_schema_history t");

    auto lint = p.run(*db, {"lint", p.migrations, "--format", "json", "--fail-on", "never"});
    INFO(lint.out << lint.err);
    CHECK(lint.exit_code == 0);
    CHECK(lint.out.find("R__changed.sql") != std::string::npos);  // linted with the versioned files

    auto adopted = p.run(*db, {"adopt", p.migrations, "--from", "flyway"});
    INFO(adopted.out << adopted.err);
    REQUIRE(adopted.exit_code == 0);
    CHECK(adopted.out.find("R__same") != std::string::npos);
    CHECK(adopted.out.find("changed since flyway last ran it: pgsafe migrate runs it again") !=
          std::string::npos);
    CHECK(adopted.out.find("pending  R__new") != std::string::npos);
    CHECK(p.status(*db) == "1=applied 2=applied 3=pending R__changed=pending R__new=pending R__same=applied");

    // the versioned one first, then the repeatables that changed or never ran, in description order
    CHECK(p.migrate(*db) == std::vector<std::string>{"3", "R__changed", "R__new"});
    CHECK(value(db->dsn(), "SELECT n FROM changed_v") == "2");
    CHECK(value(db->dsn(), "SELECT n FROM new_v") == "3");
    CHECK(p.status(*db) == "1=applied 2=applied 3=applied R__changed=applied R__new=applied R__same=applied");
    CHECK(p.migrate(*db).empty());  // unchanged: nothing runs again

    // An edited repeatable is pending again (not drift) and runs again, alone.
    p.add("R__same.sql", "CREATE OR REPLACE VIEW same_v AS SELECT 10 AS n;\n");
    CHECK(p.status(*db) == "1=applied 2=applied 3=applied R__changed=applied R__new=applied R__same=pending");
    auto dry = p.run(*db, {"migrate", p.migrations, "--dry-run"});
    INFO(dry.out << dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.out.find("SELECT 10 AS n") != std::string::npos);
    CHECK(p.migrate(*db) == std::vector<std::string>{"R__same"});
    CHECK(value(db->dsn(), "SELECT n FROM same_v") == "10");
    CHECK(
        value(
            db->dsn(),
            "SELECT count(*) FROM pgsafe.events WHERE kind = 'migration-applied' AND version = 'R__same'") ==
        "1");
    CHECK(value(db->dsn(), "SELECT state FROM pgsafe.migrations WHERE version = 'R__same'") == "applied");
    CHECK(p.migrate(*db).empty());

    // Flyway's table was only read.
    CHECK(value(db->dsn(), "SELECT string_agg(t::text, ';' ORDER BY 1) FROM flyway_schema_history t") ==
          before);
}

TEST_CASE("a Flyway repeatable that fails is recorded failed and runs again once fixed", "[db][flyway]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.add("V1__a.sql", k_a);
    p.add("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT missing FROM a;\n");
    auto failed = p.run(*db, {"migrate", p.migrations});
    INFO(failed.out << failed.err);
    CHECK(failed.exit_code == 4);
    CHECK(value(db->dsn(), "SELECT state FROM pgsafe.migrations WHERE version = 'R__view'") == "failed");
    CHECK(value(db->dsn(), "SELECT state FROM pgsafe.migrations WHERE version = '1'") == "applied");
    p.add("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT id FROM a;\n");
    CHECK(p.migrate(*db) == std::vector<std::string>{"R__view"});
    // a later versioned file is not "out of order" behind the repeatable
    p.add("V2__b.sql", k_b);
    CHECK(p.migrate(*db) == std::vector<std::string>{"2"});
}
