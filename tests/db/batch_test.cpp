// Batched backfills and whole-table UPDATE/DELETE through `pgsafe migrate`
// against a real PostgreSQL, on the keys that broke key arithmetic: near
// INT64 max, sparse, uuid, text, fractional numeric, composite, and schema
// and table names with dots. Each run's data is compared with the same
// statement run plainly (as psql -f runs it) on a copy of the table.

#include "migrate_project.hpp"
#include "process.hpp"
#include "run_as_written.hpp"
#include "test_db.hpp"

#include "pgsafe/source/migration.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

using pgsafe::test::run_as_written;
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

// Small batches, so a few thousand rows take many of them.
const char* k_config =
    "[thresholds]\nlarge_table_rows = 500\n[run]\nbatch_pause_ms = 0\nbatch_min = 37\nbatch_max = 300\n";

// A migrate project with small batches unless told otherwise.
struct Project : pgsafe::test::MigrateProject {
    explicit Project(const std::string& toml = k_config) : MigrateProject(toml) {}
};

// The table's rows in a canonical order, hashed.
std::string digest(const std::string& dsn, const std::string& table) {
    return value(
        dsn, "SELECT count(*) || ':' || md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM " +
                 table + " r");
}

// Replaces every {t} in `text` with `table`.
std::string with_table(std::string text, const std::string& table) {
    for (auto at = text.find("{t}"); at != std::string::npos; at = text.find("{t}"))
        text.replace(at, 3, table);
    return text;
}

// Runs `statement` (with {t} for the table) through pgsafe migrate on `table`
// and plainly on a copy of it; both must end with the same rows, and pgsafe
// must have run it in batches.
void same_as_plain(const ScratchDatabase& db, const std::string& table, const std::string& statement) {
    INFO(statement);
    exec(db.dsn(), "CREATE TABLE plain_copy AS SELECT * FROM " + table + "; ANALYZE;");
    Project p;
    p.add("V1__change.sql", with_table(statement, table) + ";\n");
    auto run = run_pgsafe(p.args(db));
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(value(db.dsn(), "SELECT count(*) FROM pgsafe.steps WHERE definition->'batch' <> 'null'") == "1");
    CHECK(value(db.dsn(), "SELECT count(*) FROM pgsafe.steps WHERE batch_last IS NOT NULL") == "1");
    exec(db.dsn(), with_table(statement, "plain_copy"));
    CHECK(digest(db.dsn(), table) == digest(db.dsn(), "plain_copy"));
}

struct KeyCase {
    const char* name;
    const char* setup;  // creates and fills table t
};

const KeyCase k_key_cases[] = {
    {"bigint keys up to INT64 max",
     "CREATE TABLE t (id bigint PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT 9223372036854775807 - g, g FROM generate_series(0, 1999) g;"},
    {"sparse keys",
     "CREATE TABLE t (id bigint PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;"
     "INSERT INTO t VALUES (9000000000000000000, 7), (-9223372036854775808, 8);"},
    {"uuid keys",
     "CREATE TABLE t (id uuid PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT md5(g::text)::uuid, g FROM generate_series(1, 2000) g;"},
    {"text keys with quotes, spaces and digits",
     "CREATE TABLE t (id text PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT CASE g % 4 WHEN 0 THEN g::text WHEN 1 THEN 'it''s ' || g WHEN 2 THEN 'Zß ' || g "
     "ELSE '' || g || ',\"x\"' END, g FROM generate_series(1, 2000) g;"},
    {"fractional numeric keys",
     "CREATE TABLE t (id numeric PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT g / 7.0, g FROM generate_series(1, 2000) g;"},
    {"composite (uuid, text) keys",
     "CREATE TABLE t (tenant uuid, id text, v int NOT NULL, PRIMARY KEY (tenant, id));"
     "INSERT INTO t SELECT md5((g % 5)::text)::uuid, 'k' || g, g FROM generate_series(1, 2000) g;"},
    {"timestamptz keys",
     "CREATE TABLE t (id timestamptz PRIMARY KEY, v int NOT NULL);"
     "INSERT INTO t SELECT '2020-01-01 00:00:00.123456+00'::timestamptz + g * interval '61.000001 seconds', "
     "g FROM generate_series(1, 2000) g;"},
};

}  // namespace

TEST_CASE("a whole-table UPDATE and DELETE in batches leave the rows psql leaves, whatever the key",
          "[db][batches]") {
    for (const auto& c : k_key_cases) {
        SECTION(c.name) {
            for (const char* statement : {"UPDATE {t} SET v = v * 2 + 1", "DELETE FROM {t}"}) {
                auto db = pgsafe::test::scratch_database();
                if (!db) return;
                exec(db->dsn(), std::string(c.setup) + "ANALYZE;");
                same_as_plain(*db, "t", statement);
            }
        }
    }
}

TEST_CASE("a volatile-default backfill fills every row, whatever the key", "[db][batches]") {
    for (const auto& c : k_key_cases) {
        SECTION(c.name) {
            auto db = pgsafe::test::scratch_database();
            if (!db) return;
            exec(db->dsn(), std::string(c.setup) + "ANALYZE;");
            Project p;
            p.add("V1__token.sql",
                  "ALTER TABLE t ADD COLUMN token text NOT NULL DEFAULT md5(random()::text);\n");
            auto run = run_pgsafe(p.args(*db));
            INFO(run.out << run.err);
            REQUIRE(run.exit_code == 0);
            CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE batch_last IS NOT NULL") == "1");
            CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE token IS NULL") == "0");
            CHECK(value(db->dsn(), "SELECT count(DISTINCT token) = count(*) FROM t") == "t");
            CHECK(value(db->dsn(),
                        "SELECT is_nullable FROM information_schema.columns WHERE column_name = "
                        "'token'") == "NO");
        }
    }
}

TEST_CASE("the batch block of plan --emit-sql, run as psql runs it, changes every row once, whatever the key",
          "[db][batches][plan]") {
    for (const auto& c : k_key_cases) {
        SECTION(c.name) {
            auto db = pgsafe::test::scratch_database();
            if (!db) return;
            exec(db->dsn(),
                 std::string(c.setup) + "ALTER TABLE t ADD COLUMN changed int NOT NULL DEFAULT 0; ANALYZE;");
            Project p;
            p.add("V1__change.sql", "UPDATE t SET changed = changed + 1;\n");
            TempDir out;
            auto plan = run_pgsafe(
                {"plan", p.migrations, "--db", db->dsn(), "--config", p.config, "--emit-sql", out.path()});
            INFO(plan.out << plan.err);
            REQUIRE(plan.exit_code == 0);
            std::string sql = pgsafe::source::read_file(std::filesystem::path(out.path()) / "V1__change.sql");
            INFO(sql);
            REQUIRE(sql.find("DO $pgsafe$") != std::string::npos);  // in batches (of 1,000 keys)
            run_as_written(db->dsn(), sql);
            CHECK(value(db->dsn(), "SELECT count(*) > 1000 FROM t") == "t");
            CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE changed <> 1") == "0");
        }
    }
}

TEST_CASE("schema and table names with dots are batched as (schema, name) pairs", "[db][batches]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE SCHEMA \"dot.schema\"; CREATE TABLE \"dot.schema\".\"a.b\" (id int PRIMARY KEY, v int);"
         "INSERT INTO \"dot.schema\".\"a.b\" SELECT g, g FROM generate_series(1, 2000) g; ANALYZE;");
    same_as_plain(*db, "\"dot.schema\".\"a.b\"", "UPDATE {t} SET v = -v");
    Project p;
    p.add("V2__token.sql",
          "ALTER TABLE \"dot.schema\".\"a.b\" ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();\n");
    auto run = run_pgsafe(p.args(*db));
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM \"dot.schema\".\"a.b\" WHERE token IS NULL") == "0");
}

TEST_CASE("a killed batched UPDATE on a composite text key resumes after its last key and ends as psql's",
          "[db][batches][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE t (tenant text, id text, v int NOT NULL, PRIMARY KEY (tenant, id));"
         "INSERT INTO t SELECT 'tenant ' || (g % 3), 'it''s ' || g, g FROM generate_series(1, 3000) g;"
         "CREATE TABLE plain_copy AS SELECT * FROM t; ANALYZE;");
    Project p(
        "[thresholds]\nlarge_table_rows = 500\n[run]\nbatch_pause_ms = 200\nbatch_min = 50\nbatch_max = "
        "50\n");
    p.add("V1__bump.sql", "UPDATE t SET v = v + 1000;\n");
    {
        RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
        REQUIRE(eventually([&] {
            return value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE batch_last IS NOT NULL") == "1";
        }));
        runner.signal(SIGKILL);
        runner.wait();
    }
    std::string changed = value(db->dsn(), "SELECT count(*) FROM t WHERE v > 1000");
    CHECK(changed != "0");
    CHECK(changed != "3000");
    std::string last =
        value(db->dsn(), "SELECT batch_last->'values'->>1 FROM pgsafe.steps WHERE batch_last IS NOT NULL");
    auto rerun = run_pgsafe(p.args(*db));
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    CHECK(rerun.err.find("resuming the batches after (tenant, id)") != std::string::npos);
    CHECK(rerun.err.find(last) != std::string::npos);
    exec(db->dsn(), "UPDATE plain_copy SET v = v + 1000");
    CHECK(digest(db->dsn(), "t") == digest(db->dsn(), "plain_copy"));
}

TEST_CASE(
    "a runner killed while a batch waits for a row lock: the batch commits with its record or not at all, "
    "and the rerun changes every row once",
    "[db][batches][fault]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);"
         "INSERT INTO t SELECT g, 0 FROM generate_series(1, 3000) g;"
         "CREATE TABLE plain_copy AS SELECT * FROM t; ANALYZE;");
    Project p(
        "[thresholds]\nlarge_table_rows = 500\n[timeouts]\nlock_timeout_ms = 60000\n[run]\nbatch_pause_ms = "
        "0\nbatch_min = 100\nbatch_max = 100\n");
    p.add("V1__bump.sql", "UPDATE t SET v = v + 1000;\n");
    const std::string waiting =
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE "
        "'%pgsafe_batch%' AND datname = current_database()";
    {
        // The application holds row 1550: the batch of 1501…1600 changes 1501…1549, then waits.
        pqxx::connection app(db->dsn());
        pqxx::work hold(app);
        hold.exec("SELECT * FROM t WHERE id = 1550 FOR UPDATE");
        RunningPgsafe runner(pgsafe::test::k_source_dir, p.args(*db));
        REQUIRE(eventually([&] { return value(db->dsn(), waiting) == "1"; }));
        runner.signal(SIGKILL);
        runner.wait();
        hold.commit();
    }
    // The killed runner's server session finishes the batch it was sent (its
    // lock check then finds the runner lock gone and rolls it back): its rows
    // and its record go together.
    REQUIRE(eventually([&] {
        return value(db->dsn(),
                     "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pgsafe_batch%' AND "
                     "pid <> pg_backend_pid() AND datname = current_database()") == "0";
    }));
    std::string last = value(db->dsn(), "SELECT coalesce(batch_last->'values'->>0, '0') FROM pgsafe.steps");
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE v = 1000") ==
          value(db->dsn(), "SELECT count(*) FROM t WHERE id <= " + last));
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE v = 1000 AND id > " + last) == "0");
    auto rerun = run_pgsafe(p.args(*db));
    INFO(rerun.err);
    REQUIRE(rerun.exit_code == 0);
    exec(db->dsn(), "UPDATE plain_copy SET v = v + 1000");
    CHECK(digest(db->dsn(), "t") == digest(db->dsn(), "plain_copy"));
}

TEST_CASE("migrate --dry-run writes each batch's change down with its keys and changes no row",
          "[db][batches]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(),
         "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);"
         "INSERT INTO t SELECT g, 0 FROM generate_series(1, 2000) g; ANALYZE;");
    Project p(
        "[thresholds]\nlarge_table_rows = 500\n[run]\nbatch_pause_ms = 0\nbatch_min = 1000\nbatch_max = "
        "1000\n");
    p.add("V1__bump.sql", "UPDATE t SET v = v + 1;\n");
    auto args = p.args(*db);
    args.push_back("--dry-run");
    auto run = run_pgsafe(args);
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("EXECUTE pgsafe_batch ('1', '1000');") != std::string::npos);
    CHECK(run.out.find("EXECUTE pgsafe_batch ('1001', '2000');") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE v <> 0") == "0");
    CHECK(value(db->dsn(), "SELECT to_regclass('pgsafe.steps') IS NULL") == "t");
}

TEST_CASE("a table with a statement-level trigger gets its UPDATE as one statement, the trigger fired once",
          "[db][batches]") {
    // The plan declines from the table facts; the runner checks again before
    // the first batch, for a trigger made after the facts were read.
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), R"sql(
CREATE TABLE fired (at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION note_it() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO fired DEFAULT VALUES; RETURN NULL; END$$;
CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;
CREATE TRIGGER once AFTER UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION note_it();
ANALYZE;
)sql");
    Project p;
    p.add("V1__bump.sql", "UPDATE t SET v = v + 1;\n");
    auto plan = run_pgsafe({"plan", p.migrations, "--db", db->dsn(), "--config", p.config});
    INFO(plan.out << plan.err);
    CHECK(plan.out.find("statement-level trigger \"once\"") != std::string::npos);
    auto run = run_pgsafe(p.args(*db));
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE definition->'batch' <> 'null'") == "0");
    CHECK(value(db->dsn(), "SELECT count(*) FROM fired") == "1");
    CHECK(value(db->dsn(), "SELECT sum(v) FROM t") == std::to_string(2000 * 2001 / 2 + 2000));
}

TEST_CASE("a statement-level trigger the plan could not see is found before the first batch, and fired once",
          "[db][batches]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    exec(db->dsn(), R"sql(
CREATE TABLE fired (at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION note_it() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO fired DEFAULT VALUES; RETURN NULL; END$$;
CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;
ANALYZE;
)sql");
    // A trigger made by dynamic SQL: no CREATE TRIGGER statement for the plan to see.
    Project p;
    p.add("V1__trigger.sql",
          "DO $$BEGIN EXECUTE 'CREATE TRIGGER once AFTER UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION "
          "note_it()'; END$$;\n");
    p.add("V2__bump.sql", "UPDATE t SET v = v + 1;\n");
    auto run = run_pgsafe(p.args(*db));
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("statement-level trigger once") != std::string::npos);
    CHECK(value(db->dsn(), "SELECT count(*) FROM fired") == "1");
    CHECK(value(db->dsn(), "SELECT sum(v) FROM t") == std::to_string(2000 * 2001 / 2 + 2000));
}

TEST_CASE(
    "a volatile-default backfill on a table with UPDATE triggers leaves what psql leaves: no trigger fires",
    "[db][batches]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    // Two identical tables with the same triggers: a row trigger that stamps
    // the row and notes it, and a statement trigger that notes the statement.
    exec(db->dsn(), R"sql(
CREATE TABLE fired (tbl text NOT NULL, level text NOT NULL);
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN NEW.touched := NEW.touched + 1; INSERT INTO fired VALUES (TG_TABLE_NAME, 'row'); RETURN NEW; END$$;
CREATE FUNCTION note_statement() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO fired VALUES (TG_TABLE_NAME, 'statement'); RETURN NULL; END$$;
CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, touched int NOT NULL DEFAULT 0);
INSERT INTO t SELECT g, g FROM generate_series(1, 2000) g;
CREATE TABLE plain_copy (LIKE t INCLUDING ALL);
INSERT INTO plain_copy SELECT * FROM t;
CREATE TRIGGER stamp BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION stamp();
CREATE TRIGGER stamp BEFORE UPDATE ON plain_copy FOR EACH ROW EXECUTE FUNCTION stamp();
CREATE TRIGGER noted AFTER UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION note_statement();
CREATE TRIGGER noted AFTER UPDATE ON plain_copy FOR EACH STATEMENT EXECUTE FUNCTION note_statement();
ANALYZE;
)sql");
    const std::string add = "ALTER TABLE {t} ADD COLUMN token text NOT NULL DEFAULT md5(random()::text)";
    Project p;
    p.add("V1__token.sql", with_table(add, "t") + ";\n");
    auto run = run_pgsafe(p.args(*db));
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    exec(db->dsn(), with_table(add, "plain_copy"));  // as psql -f runs it
    CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE definition->'batch' <> 'null'") == "0");
    CHECK(value(db->dsn(), "SELECT count(*) FROM fired WHERE tbl = 'plain_copy'") == "0");
    CHECK(value(db->dsn(), "SELECT count(*) FROM fired WHERE tbl = 't'") == "0");
    CHECK(value(db->dsn(), "SELECT count(*) FROM t WHERE token IS NULL") == "0");
    CHECK(value(db->dsn(), "SELECT count(DISTINCT token) FROM t") == "2000");
    const std::string same =
        "SELECT count(*) || ':' || md5(string_agg((id, v, touched)::text, '|' ORDER BY id)) FROM ";
    CHECK(value(db->dsn(), same + "t") == value(db->dsn(), same + "plain_copy"));

    // `pgsafe plan` says why it is kept as written.
    Project again;
    again.add("V2__other.sql",
              with_table("ALTER TABLE {t} ADD COLUMN other uuid DEFAULT gen_random_uuid()", "t") + ";\n");
    auto plan = run_pgsafe({"plan", again.migrations, "--db", db->dsn(), "--config", again.config});
    INFO(plan.out << plan.err);
    CHECK(plan.out.find("UPDATE trigger") != std::string::npos);
}

TEST_CASE("a table without a primary key is batched by a unique index over NOT NULL columns",
          "[db][batches]") {
    for (const char* statement : {"UPDATE {t} SET v = v * 2 + 1", "DELETE FROM {t}"}) {
        auto db = pgsafe::test::scratch_database();
        if (!db) return;
        // The narrowest usable index is the partial one, which is not usable;
        // nor are those over a nullable column or an expression.
        exec(
            db->dsn(),
            "CREATE TABLE t (tenant text NOT NULL, id text NOT NULL, v int NOT NULL, note text);"
            "INSERT INTO t SELECT 'tenant ' || (g % 3), 'it''s ' || g, g, NULL FROM generate_series(1, "
            "2000) g;"
            "CREATE UNIQUE INDEX t_key ON t (tenant, id); CREATE UNIQUE INDEX t_note ON t (note);"
            "CREATE UNIQUE INDEX t_partial ON t (id) WHERE id <> ''; CREATE UNIQUE INDEX t_expr ON t ((id || "
            "''));"
            "ANALYZE;");
        same_as_plain(*db, "t", statement);
        CHECK(value(db->dsn(), "SELECT definition->'batch'->>'key' FROM pgsafe.steps") ==
              "[\"tenant\", \"id\"]");
    }
}

TEST_CASE(
    "a table without a primary key or a unique index over NOT NULL columns is not batched, and pgsafe says "
    "so",
    "[db][batches]") {
    struct Case {
        const char* name;
        const char* index;
    };
    const Case cases[] = {
        {"a unique index over a nullable column", "CREATE UNIQUE INDEX t_note ON t (note);"},
        {"a partial unique index", "CREATE UNIQUE INDEX t_positive ON t (id) WHERE v > 0;"},
        {"a unique index over an expression", "CREATE UNIQUE INDEX t_expr ON t ((id + 0));"},
        {"NOT NULL dropped by an earlier statement", "CREATE UNIQUE INDEX t_id ON t (id);"},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            auto db = pgsafe::test::scratch_database();
            if (!db) return;
            exec(db->dsn(), std::string("CREATE TABLE t (id int NOT NULL, v int NOT NULL, note text);"
                                        "INSERT INTO t SELECT g, g, NULL FROM generate_series(1, 2000) g;") +
                                c.index + "CREATE TABLE plain_copy AS SELECT * FROM t; ANALYZE;");
            std::string before = std::string(c.name).rfind("NOT NULL", 0) == 0
                                     ? "ALTER TABLE {t} ALTER COLUMN id DROP NOT NULL;\n"
                                     : "";
            std::string change = before + "UPDATE {t} SET v = v * 2 + 1;\n";
            Project p;
            p.add("V1__bump.sql", with_table(change, "t"));
            auto plan = run_pgsafe({"plan", p.migrations, "--db", db->dsn(), "--config", p.config});
            INFO(plan.out << plan.err);
            CHECK(plan.out.find("no unique index over NOT NULL columns") != std::string::npos);
            auto run = run_pgsafe(p.args(*db));
            INFO(run.out << run.err);
            REQUIRE(run.exit_code == 0);
            CHECK(value(db->dsn(), "SELECT count(*) FROM pgsafe.steps WHERE definition->'batch' <> 'null'") ==
                  "0");
            exec(db->dsn(), with_table(change, "plain_copy"));
            CHECK(digest(db->dsn(), "t") == digest(db->dsn(), "plain_copy"));
        }
    }
}
