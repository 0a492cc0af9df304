// `pgsafe adopt` after the real tools ran: dbmate 2.36 and node-pg-migrate
// 7.9 (npm; scripts/peer-tools installs them into build/peer-tools, or
// PGSAFE_PEER_TOOLS) apply their migrations to a scratch database, then
// pgsafe adopts their history and `pgsafe migrate` must apply exactly the
// newer file, leaving the tool's table as it was. Sqitch 1.3.1 comes from
// Debian (scripts/peer-tools installs it with apt-get). Without the tools these
// tests say so and skip.

#include "process.hpp"
#include "test_db.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <cstdlib>
#include <fstream>
#include <sstream>

using nlohmann::json;
using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

using pgsafe::test::value;

namespace {

std::string tools_bin() {
    const char* dir = std::getenv("PGSAFE_PEER_TOOLS");
    return std::string(dir != nullptr && *dir != '\0' ? dir
                                                      : pgsafe::test::k_source_dir + "/build/peer-tools") +
           "/node_modules/.bin";
}

// The tool, or "" with a warning that says how to get it.
std::string tool(const std::string& name) {
    std::string path = tools_bin() + "/" + name;
    if (std::filesystem::exists(path)) return path;
    WARN(name << " is not installed (" << path << "): run scripts/peer-tools to test adopt against it");
    return "";
}

// Runs a shell command; its output goes to the test's log on failure.
int shell(const std::string& command, std::string& output) {
    TempDir out;
    std::string log = out.path() + "/log";
    int status = std::system((command + " >" + log + " 2>&1").c_str());
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    output = text.str();
    return status;
}

std::string snapshot(const std::string& dsn, const std::string& table) {
    return value(dsn, "SELECT string_agg(t::text || ' ' || t.xmin::text, E'\\n' ORDER BY t::text) FROM " +
                          table + " t");
}

std::vector<std::string> migrate_applies(const ScratchDatabase& db, const std::string& dir,
                                         const std::string& config) {
    auto run = run_pgsafe({"migrate", dir, "--db", db.dsn(), "--config", config, "--format", "json"});
    INFO(run.out << run.err);
    std::vector<std::string> out;
    json result = json::parse(run.out);  // kept: a range over a temporary's member would dangle
    for (const auto& a : result["applied"]) out.push_back(a["version"]);
    return out;
}

}  // namespace

TEST_CASE("adopt after real dbmate runs: migrate applies only the newer file", "[db][adopt][real-tools]") {
    std::string dbmate = tool("dbmate");
    if (dbmate.empty()) return;
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    std::string migrations = dir.path() + "/db/migrations";
    std::string config = dir.write("pgsafe.toml", "");
    // dbmate wants a down block; an empty one keeps pgsafe (which runs the whole file) and dbmate equal.
    dir.write("db/migrations/20240101000000_a.sql",
              "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n");
    dir.write("db/migrations/20240102000000_b.sql",
              "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\n");
    std::string out;
    std::string url = db->dsn() + (db->dsn().find('?') == std::string::npos ? "?" : "&") + "sslmode=disable";
    REQUIRE(shell(dbmate + " --url '" + url + "' --migrations-dir " + migrations + " --no-dump-schema up",
                  out) == 0);
    INFO(out);
    REQUIRE(value(db->dsn(), "SELECT count(*) FROM schema_migrations") == "2");
    std::string before = snapshot(db->dsn(), "schema_migrations");

    dir.write("db/migrations/20240103000000_c.sql",
              "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\n");
    auto adopted =
        run_pgsafe({"adopt", migrations, "--from", "dbmate", "--db", db->dsn(), "--config", config});
    INFO(adopted.out << adopted.err);
    REQUIRE(adopted.exit_code == 0);
    CHECK(migrate_applies(*db, migrations, config) == std::vector<std::string>{"20240103000000"});
    CHECK(snapshot(db->dsn(), "schema_migrations") == before);
    // dbmate itself now sees its own two and the new file as not applied by it: nothing was written to its
    // table.
    REQUIRE(shell(dbmate + " --url '" + url + "' --migrations-dir " + migrations + " status", out) != -1);
    CHECK(out.find("[ ] 20240103000000_c.sql") != std::string::npos);
}

TEST_CASE("adopt after real node-pg-migrate runs: migrate applies only the newer file",
          "[db][adopt][real-tools]") {
    std::string npm_migrate = tool("node-pg-migrate");
    if (npm_migrate.empty()) return;
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    std::string migrations = dir.path() + "/migrations";
    std::string config = dir.write("pgsafe.toml", "");
    dir.write("migrations/1700000000000_a.sql", "-- Up Migration\nCREATE TABLE a (id int);\n");
    dir.write("migrations/1700000000001_b.sql", "-- Up Migration\nCREATE TABLE b (id int);\n");
    std::string out;
    int status = shell("DATABASE_URL='" + db->dsn() + "' " + npm_migrate + " up -m " + migrations, out);
    INFO(out);
    REQUIRE(status == 0);
    REQUIRE(value(db->dsn(), "SELECT count(*) FROM pgmigrations") == "2");
    std::string before = snapshot(db->dsn(), "pgmigrations");

    dir.write("migrations/1700000000002_c.sql", "-- Up Migration\nCREATE TABLE c (id int);\n");
    auto adopted =
        run_pgsafe({"adopt", migrations, "--from", "node-pg-migrate", "--db", db->dsn(), "--config", config});
    INFO(adopted.out << adopted.err);
    REQUIRE(adopted.exit_code == 0);
    CHECK(migrate_applies(*db, migrations, config) == std::vector<std::string>{"1700000000002"});
    CHECK(snapshot(db->dsn(), "pgmigrations") == before);
}

namespace {

// Sqitch 1.3 from Debian (scripts/peer-tools: apt-get install sqitch libdbd-pg-perl), or "".
std::string sqitch_tool() {
    std::string out;
    if (shell("{ command -v sqitch && perl -MDBD::Pg -e 1; }", out) == 0) return "sqitch";
    WARN("sqitch (with DBD::Pg) is not installed: run scripts/peer-tools as root to test adopt against it");
    return "";
}

// libpq's variables for `db`, which Sqitch's target "db:pg:" and its psql both read.
std::string pg_environment(const ScratchDatabase& db) {
    pqxx::connection c(db.dsn());
    return fmt::format("PGHOST='{}' PGPORT='{}' PGUSER='{}' PGDATABASE='{}' ",
                       c.hostname() ? c.hostname() : "", c.port() ? c.port() : "", c.username(), c.dbname());
}

const char* k_sqitch_plan =
    "%syntax-version=1.0.0\n%project=shop\n\n"
    "users 2024-01-01T10:00:00Z Tester <tester@example.com> # Adds users.\n"
    "orders [users] 2024-01-02T10:00:00Z Tester <tester@example.com> # Adds orders.\n"
    "@v1.0 2024-01-02T11:00:00Z Tester <tester@example.com> # Tag v1.0.\n";

}  // namespace

TEST_CASE("adopt after a real sqitch deploy: migrate applies only the newer change",
          "[db][adopt][real-tools]") {
    std::string sqitch = sqitch_tool();
    if (sqitch.empty()) return;
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    std::string project = dir.path() + "/db";
    std::string config = dir.write("pgsafe.toml", "");
    dir.write("db/sqitch.conf", "[core]\n\tengine = pg\n");
    dir.write("db/sqitch.plan", k_sqitch_plan);
    // as `sqitch add` writes them: the script opens and commits its own transaction
    dir.write("db/deploy/users.sql",
              "-- Deploy shop:users to pg\n\nBEGIN;\n\nCREATE TABLE users (id int);\n\nCOMMIT;\n");
    dir.write("db/deploy/orders.sql",
              "-- Deploy shop:orders to pg\n-- requires: users\n\nBEGIN;\n\nCREATE TABLE orders (id "
              "int);\n\nCOMMIT;\n");
    dir.write("db/revert/users.sql", "BEGIN;\nDROP TABLE users;\nCOMMIT;\n");
    dir.write("db/revert/orders.sql", "BEGIN;\nDROP TABLE orders;\nCOMMIT;\n");
    std::string env = pg_environment(*db) + "SQITCH_FULLNAME=Tester SQITCH_EMAIL=tester@example.com HOME='" +
                      dir.path() + "' ";
    std::string out;
    REQUIRE(shell("cd '" + project + "' && " + env + sqitch + " deploy db:pg:", out) == 0);
    INFO(out);
    REQUIRE(value(db->dsn(), "SELECT count(*) FROM sqitch.changes") == "2");
    std::string before = snapshot(db->dsn(), "sqitch.changes") + snapshot(db->dsn(), "sqitch.events");

    // a newer change, planned with `sqitch add` but not deployed by Sqitch
    dir.write("db/sqitch.plan",
              std::string(k_sqitch_plan) +
                  "products 2024-01-03T10:00:00Z Tester <tester@example.com> # Adds products.\n");
    dir.write("db/deploy/products.sql",
              "-- Deploy shop:products to pg\n\nBEGIN;\n\nCREATE TABLE products (id int);\n\nCOMMIT;\n");
    auto adopted = run_pgsafe({"adopt", project, "--from", "sqitch", "--db", db->dsn(), "--config", config});
    INFO(adopted.out << adopted.err);
    REQUIRE(adopted.exit_code == 0);
    CHECK(adopted.out.find("sqitch checksum verified") != std::string::npos);  // Sqitch's SHA-1 script_hash
    CHECK(adopted.out.find("pending  3") != std::string::npos);
    CHECK(migrate_applies(*db, project, config) == std::vector<std::string>{"3"});
    CHECK(value(db->dsn(), "SELECT to_regclass('products')::text") == "products");
    CHECK(snapshot(db->dsn(), "sqitch.changes") + snapshot(db->dsn(), "sqitch.events") == before);
    // Sqitch itself still sees products as not deployed by it: its registry was only read.
    REQUIRE(shell("cd '" + project + "' && " + env + sqitch + " status db:pg:", out) != -1);
    CHECK(out.find("products") != std::string::npos);
}
