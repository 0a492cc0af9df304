// `pgsafe adopt` after the real tools ran: dbmate 2.36 and node-pg-migrate
// 7.9 (npm; scripts/peer-tools installs them into build/peer-tools, or
// PGSAFE_PEER_TOOLS) apply their migrations to a scratch database, then
// pgsafe adopts their history and `pgsafe migrate` must apply exactly the
// newer file, leaving the tool's table as it was. Without the tools these
// tests say so and skip.

#include "process.hpp"
#include "test_db.hpp"

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
