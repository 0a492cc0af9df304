// `pgsafe trace` as users run it: on its own throwaway PostgreSQL, which is
// gone afterwards (no directory, no process) after a normal run, a migration
// that fails on the server, and SIGINT; the exit codes; the JSON shape
// (pinned here, documented in docs/trace.md); --plan in markdown.

#include "process.hpp"
#include "test_db.hpp"

#include "pgsafe/db/connection.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using pgsafe::test::run_pgsafe_in;
using pgsafe::test::RunningPgsafe;
using pgsafe::test::TempDir;

namespace {

int processes_mentioning(const std::string& text) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmdline.find(text) != std::string::npos) ++count;
    }
    return count;
}

// A TMPDIR of the test's own, where the throwaway server lives while pgsafe runs.
struct Sandbox {
    TempDir dir;
    std::string tmp = dir.path() + "/tmp";
    Sandbox() { fs::create_directories(tmp); }
    std::vector<std::string> env() const { return {"TMPDIR=" + tmp}; }
    bool left_nothing() const { return fs::is_empty(tmp) && processes_mentioning(tmp) == 0; }
};

std::set<std::string> keys(const nlohmann::json& object) {
    std::set<std::string> out;
    for (const auto& item : object.items()) out.insert(item.key());
    return out;
}

}  // namespace

TEST_CASE("trace runs on a throwaway server, reports JSON of the pinned shape, and leaves nothing",
          "[cli][trace]") {
    Sandbox box;
    box.dir.write("migrations/V1__create.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n");
    box.dir.write("migrations/V2__add.sql",
                  "ALTER TABLE t ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY t_note ON t (note);\n");
    auto result = run_pgsafe_in(box.dir.path(), {"--format", "json", "trace", "migrations"}, box.env());
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    auto json = nlohmann::json::parse(result.out);
    CHECK(keys(json) == std::set<std::string>{"version", "server", "rolled_back", "migrations", "problems"});
    CHECK(json["version"] == 1);
    CHECK_THAT(json["server"].get<std::string>(), Catch::StartsWith("15."));
    REQUIRE(json["migrations"].size() == 2);
    const auto& v2 = json["migrations"][1];
    CHECK(keys(v2) == std::set<std::string>{"version", "name", "path", "duration_ms", "statements", "error"});
    CHECK(v2["version"] == "2");
    CHECK(v2["name"] == "add");
    CHECK(v2["error"].is_null());
    REQUIRE(v2["statements"].size() == 2);
    const auto& add = v2["statements"][0];
    CHECK(keys(add) == std::set<std::string>{"line", "column", "sql", "duration_ms", "transactional", "locks",
                                             "rewrites", "changes", "model", "model_answer",
                                             "model_disagreements"});
    CHECK(add["line"] == 1);
    CHECK(add["sql"] == "ALTER TABLE t ADD COLUMN note text");
    CHECK(add["transactional"] == true);
    CHECK(add["model"] == "agrees");
    REQUIRE(add["locks"].size() >= 1);
    const auto& lock = add["locks"][0];
    CHECK(keys(lock) ==
          std::set<std::string>{"relation", "kind", "mode", "held_ms", "blocks_writes", "existed", "large"});
    CHECK(lock["relation"] == "public.t");
    CHECK(lock["kind"] == "table");
    CHECK(lock["mode"] == "AccessExclusiveLock");
    CHECK(lock["held_ms"].is_number());
    CHECK(v2["statements"][1]["transactional"] == false);
    CHECK(box.left_nothing());
}

TEST_CASE("trace exits 4 with the location and SQLSTATE when a migration fails, and cleans up",
          "[cli][trace]") {
    Sandbox box;
    box.dir.write("migrations/V1__bad.sql",
                  "CREATE TABLE t (id int);\nALTER TABLE nowhere ADD COLUMN a int;\n");
    auto result = run_pgsafe_in(box.dir.path(), {"trace", "migrations"}, box.env());
    CHECK(result.exit_code == 4);
    CHECK_THAT(result.err,
               Catch::Contains("migrations/V1__bad.sql:2:1") && Catch::Contains("SQLSTATE 42P01"));
    CHECK_THAT(result.out, Catch::Contains("the server refused it"));
    CHECK(box.left_nothing());
}

TEST_CASE("trace exits 3 on SQL that does not parse, before starting a server", "[cli][trace]") {
    Sandbox box;
    box.dir.write("migrations/V1__typo.sql", "ALTER TABL t ADD COLUMN a int;\n");
    auto result = run_pgsafe_in(box.dir.path(), {"trace", "migrations"}, box.env());
    CHECK(result.exit_code == 3);
    CHECK_THAT(result.err, Catch::Contains("migrations/V1__typo.sql:1:7: error[syntax-error]"));
    CHECK(box.left_nothing());
}

TEST_CASE("trace stopped by SIGINT exits 130 and leaves no directory and no process", "[cli][trace]") {
    Sandbox box;
    box.dir.write("migrations/V1__slow.sql", "CREATE TABLE t (id int);\nSELECT pg_sleep(120);\n");
    RunningPgsafe pgsafe(box.dir.path(), {"trace", "migrations"}, box.env());
    // Wait (a minute at most: only a hang trips it) until the server runs, then a moment for the sleep to
    // start.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    bool running = false;
    while (!running && std::chrono::steady_clock::now() < deadline) {
        for (const auto& entry : fs::directory_iterator(box.tmp))
            running = running || fs::exists(entry.path() / "url");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(running);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    pgsafe.signal(SIGINT);
    auto result = pgsafe.wait();
    INFO(result.err);
    CHECK(result.exit_code == 130);
    CHECK(box.left_nothing());
}

TEST_CASE("trace --plan --schema-from proves the plan equivalent and writes markdown", "[cli][trace]") {
    auto production = pgsafe::test::scratch_database();
    if (!production) return;
    {
        pgsafe::db::Connection connection(production->dsn());
        connection.execute(
            "CREATE TABLE patients (id bigint PRIMARY KEY);"
            "CREATE TABLE measurements (id bigint PRIMARY KEY, patient_id bigint);"
            "INSERT INTO patients VALUES (1); INSERT INTO measurements VALUES (1, 1);"
            "CREATE SCHEMA pgsafe; CREATE TABLE pgsafe.migrations (version text, state text);"
            "INSERT INTO pgsafe.migrations VALUES ('1', 'applied');",
            "setting up production");
    }
    Sandbox box;
    box.dir.write("migrations/V1__applied.sql", "CREATE TABLE patients (id bigint PRIMARY KEY);\n");
    box.dir.write(
        "migrations/V2__fk.sql",
        "ALTER TABLE measurements ADD CONSTRAINT m_fk FOREIGN KEY (patient_id) REFERENCES patients (id);\n");
    auto result = run_pgsafe_in(
        box.dir.path(),
        {"--format", "markdown", "trace", "--plan", "--schema-from", production->dsn(), "migrations"},
        box.env());
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Contains("### pgsafe trace (PostgreSQL 15."));
    CHECK_THAT(result.out, !Catch::Contains("V1__applied.sql"));  // applied where --schema-from points
    CHECK_THAT(result.out, Catch::Contains("VALIDATE CONSTRAINT m_fk"));
    CHECK_THAT(result.out, Catch::Contains("The plan ends like the file as written."));
    CHECK(box.left_nothing());
}
