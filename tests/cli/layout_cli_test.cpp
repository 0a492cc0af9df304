// Other tools' folder layouts from the command line: `lint -v` says which
// layout auto chose, a goose file's Down section is neither linted nor
// planned nor run, findings point at the file's own lines, an ambiguous
// folder and a refused Go migration stop with their message, and `layout`
// in pgsafe.toml is checked like every key.

#include "process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

using pgsafe::test::run_pgsafe;
using pgsafe::test::run_pgsafe_in;
using pgsafe::test::TempDir;

namespace {

// A goose file: the Up section adds a foreign key (a finding on line 5),
// the Down section drops a table (a finding if it were linted).
const char* k_goose_fk = R"(-- +goose Up
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint);
-- a comment
ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);

-- +goose Down
DROP TABLE legacy_orders;
)";

const char* k_goose_index = R"(-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY items_name ON items (name);
-- +goose Down
DROP TABLE items;
)";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("lint -v says which layout auto chose, and lints only goose Up sections at their real lines",
          "[cli][layout]") {
    TempDir dir;
    dir.write("00001_init.sql",
              "-- +goose Up\nCREATE TABLE items (id bigint PRIMARY KEY, name text);\n"
              "-- +goose Down\nDROP TABLE legacy;\n");
    dir.write("00002_index.sql", k_goose_index);
    auto r = run_pgsafe({"lint", "-v", "--format", "json", "--fail-on", "never", dir.path()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(
        contains(r.err, "layout goose (auto: files with a '-- +goose Up' line (00001_init.sql and 1 more))"));
    CHECK(contains(r.err, "goose runs it outside a transaction (-- +goose NO TRANSACTION)"));
    auto report = nlohmann::json::parse(r.out);
    for (const auto& file : report["files"]) {
        for (const auto& finding : file["findings"]) CHECK(finding["rule"] != "ban-drop-table");
    }

    TempDir fk;
    fk.write("00001_fk.sql", k_goose_fk);
    auto f = run_pgsafe({"lint", "--format", "json", "--fail-on", "never", fk.path()});
    auto findings = nlohmann::json::parse(f.out)["files"][0]["findings"];
    bool fk_on_line_5 = false;
    for (const auto& finding : findings) {
        CHECK(finding["rule"] != "ban-drop-table");
        if (finding["line"] == 5) fk_on_line_5 = true;
    }
    CHECK(fk_on_line_5);
    // The same file named on the command line is read in its folder's layout.
    auto named = run_pgsafe({"lint", "--format", "json", "--fail-on", "never", fk.path() + "/00001_fk.sql"});
    CHECK(nlohmann::json::parse(named.out)["files"][0]["findings"] == findings);
}

TEST_CASE("layout = \"pgsafe\" reads a goose folder whole, as before; a bad layout name is a usage error",
          "[cli][layout]") {
    TempDir dir;
    dir.write("migrations/00001_fk.sql", k_goose_fk);
    dir.write("pgsafe.toml", "layout = \"pgsafe\"\n");
    auto whole = run_pgsafe_in(dir.path(), {"lint", "--format", "json", "--fail-on", "never"});
    CHECK(contains(whole.out, "ban-drop-table"));

    dir.write("pgsafe.toml", "layout = \"liquibase\"\n");
    auto bad = run_pgsafe_in(dir.path(), {"lint"});
    CHECK(bad.exit_code == 2);
    CHECK(contains(bad.err, "pgsafe.toml:1:"));
    CHECK(contains(bad.err, "node-pg-migrate"));
}

TEST_CASE("an ambiguous folder and a goose Go migration stop plan with exit 2 and their message",
          "[cli][layout]") {
    TempDir dir;
    dir.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n");
    dir.write("00002_b.sql", "-- migrate:up\nSELECT 2;\n");
    auto r = run_pgsafe({"plan", dir.path()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "layout \"auto\" cannot tell whose folder this is"));
    CHECK(contains(r.err, "goose:"));
    CHECK(contains(r.err, "dbmate:"));

    TempDir go;
    go.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n");
    go.write("00002_b.go", "package migrations\n");
    auto g = run_pgsafe({"plan", go.path()});
    CHECK(g.exit_code == 2);
    CHECK(contains(g.err, "00002_b.go: a goose migration written in Go"));
    // lint still lints the SQL and says what it left out.
    auto l = run_pgsafe({"lint", go.path()});
    CHECK(l.exit_code == 0);
    CHECK(contains(l.err, "00002_b.go: not linted"));
}

TEST_CASE("plan of a Diesel folder: one migration per directory, version from its name", "[cli][layout]") {
    TempDir dir;
    dir.write("2019-02-26-002946_create/up.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n");
    dir.write("2019-02-26-002946_create/down.sql", "DROP TABLE t;\n");
    dir.write("2019-03-01-000000_index/up.sql", "CREATE INDEX CONCURRENTLY t_id ON t (id);\n");
    dir.write("2019-03-01-000000_index/metadata.toml", "run_in_transaction = false\n");
    auto r = run_pgsafe({"plan", "--format", "json", dir.path()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto plan = nlohmann::json::parse(r.out);
    REQUIRE(plan["migrations"].size() == 2);
    CHECK(plan["migrations"][0]["version"] == "20190226002946");
    CHECK(plan["migrations"][1]["version"] == "20190301000000");
    CHECK(plan["migrations"][1]["steps"][0]["transactional"] == false);
}

TEST_CASE("explain-locks reads a goose folder's Up sections; new in a goose folder names goose's command",
          "[cli][layout]") {
    TempDir dir;
    dir.write("migrations/00001_fk.sql", k_goose_fk);
    auto explained = run_pgsafe({"explain-locks", "--format", "json", dir.path() + "/migrations"});
    INFO(explained.out << explained.err);
    CHECK(explained.exit_code == 0);
    CHECK(contains(explained.out, "child_parent_fk"));
    CHECK(!contains(explained.out, "legacy_orders"));  // the Down section is not what runs

    auto made = run_pgsafe({"new", "add_items", dir.path() + "/migrations"});
    CHECK(made.exit_code == 2);
    CHECK(contains(made.err, "a goose folder"));
    CHECK(contains(made.err, "goose -dir DIR create NAME sql"));
    CHECK(!std::filesystem::exists(dir.path() + "/migrations/00002_add_items.sql"));

    TempDir flyway;
    flyway.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    flyway.write("migrations/R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n");
    auto next = run_pgsafe({"new", "add_b", flyway.path() + "/migrations"});
    INFO(next.err);
    CHECK(next.exit_code == 0);
    CHECK(contains(next.out, "V2__add_b.sql"));
}

TEST_CASE("a Sqitch project: plan lists deploy/ scripts in sqitch.plan's order, numbered from 1",
          "[cli][layout]") {
    TempDir dir;
    dir.write("db/sqitch.plan",
              "%syntax-version=1.0.0\n%project=shop\n\n"
              "zebras 2024-01-01T10:00:00Z T <t@example.com> # first, though it sorts last\n"
              "@v1 2024-01-01T11:00:00Z T <t@example.com> # a tag\n"
              "apples [zebras] 2024-01-02T10:00:00Z T <t@example.com> # second\n");
    dir.write("db/deploy/zebras.sql", "BEGIN;\nCREATE TABLE zebras (id int);\nCOMMIT;\n");
    dir.write("db/deploy/apples.sql", "BEGIN;\nCREATE TABLE apples (id int);\nCOMMIT;\n");
    dir.write("db/revert/apples.sql", "DROP TABLE apples;\n");
    auto plan = run_pgsafe({"plan", "-v", "--format", "json", dir.path() + "/db"});
    INFO(plan.out << plan.err);
    CHECK(plan.exit_code == 0);
    CHECK(contains(plan.err, "layout sqitch (auto: Sqitch's sqitch.plan"));
    auto migrations = nlohmann::json::parse(plan.out)["migrations"];
    REQUIRE(migrations.size() == 2);
    CHECK(migrations[0]["version"] == "1");
    CHECK(migrations[0]["name"] == "zebras");
    CHECK(migrations[1]["name"] == "apples");

    dir.write("db/sqitch.plan",
              "%project=shop\nzebras 2024-01-01T10:00:00Z T <t@example.com>\n"
              "zebras 2024-01-03T10:00:00Z T <t@example.com> # reworked\n");
    auto reworked = run_pgsafe({"plan", dir.path() + "/db"});
    CHECK(reworked.exit_code == 2);
    CHECK(contains(reworked.err, "sqitch.plan:3: change \"zebras\" is reworked"));
}
