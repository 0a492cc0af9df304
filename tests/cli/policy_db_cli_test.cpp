// The administrative commands' error paths, as a DBA meets them: init,
// approve, revoke, approvals and audit refuse what they cannot do with a
// message that says what to do, before changing anything.

#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

using pgsafe::test::run_pgsafe_in;
using pgsafe::test::TempDir;

using pgsafe::test::value;

namespace {

const std::string k_nowhere = "postgresql://dba:s3cret-pw@127.0.0.1:1/app";

// A project: pgsafe.toml, one migration, and policies/production.toml.
struct Project {
    TempDir dir;
    explicit Project(const std::string& policy = "[access]\nrun = []\napprove = []\n") {
        dir.write("pgsafe.toml", "");
        dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
        dir.write("policies/production.toml", policy);
    }
    pgsafe::test::ProcessResult run(std::vector<std::string> args) const {
        return run_pgsafe_in(dir.path(), args);
    }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("init needs --env and a policy that loads; nothing is touched otherwise", "[cli][policy]") {
    Project p;
    auto no_env = p.run({"init", "--db", k_nowhere});
    CHECK(no_env.exit_code == 2);
    CHECK(has(no_env.err, "pgsafe init needs --env NAME"));

    auto missing = p.run({"init", "--env", "staging", "--db", k_nowhere});
    CHECK(missing.exit_code == 2);
    CHECK(has(missing.err, "policies/staging.toml: no policy for environment \"staging\""));

    p.dir.write("policies/production.toml", "[access]\napprove = [\"dba\"]\nrun = \"deploy\"\n");
    auto bad = p.run({"init", "--env", "production", "--db", k_nowhere});
    CHECK(bad.exit_code == 2);
    CHECK(has(bad.err, "policies/production.toml:3:"));
    CHECK_FALSE(has(bad.err, "s3cret-pw"));
}

TEST_CASE("init refuses a policy that names a role the database does not have", "[cli][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p("[access]\nrun = []\napprove = [\"pgsafe_no_such_dba\"]\n");
    auto r = p.run({"init", "--env", "production", "--db", db->dsn()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(has(r.err,
              "policies/production.toml: [access] approve names role \"pgsafe_no_such_dba\", which does "
              "not exist in this database"));
    CHECK(value(db->dsn(), "SELECT to_regnamespace('pgsafe')") == "");
}

TEST_CASE("approve needs a reason and a migration file for each version, before connecting",
          "[cli][policy]") {
    Project p;
    auto no_reason = p.run({"approve", "1", "--db", k_nowhere});
    CHECK(no_reason.exit_code == 2);
    CHECK(has(no_reason.err, "--reason is required"));

    auto blank = p.run({"approve", "1", "--reason", "  ", "--db", k_nowhere});
    CHECK(blank.exit_code == 2);
    CHECK(has(blank.err, "--reason must say why"));

    auto unknown = p.run({"approve", "1", "9", "--reason", "reviewed", "--db", k_nowhere});
    CHECK(unknown.exit_code == 2);
    CHECK(has(unknown.err, "migrations: no migration file with version 9"));

    auto valid = p.run({"approve", "1", "--reason", "reviewed", "--valid-for", "soon", "--db", k_nowhere});
    CHECK(valid.exit_code == 2);
    CHECK(has(valid.err, "--valid-for must be a duration"));

    auto revoke = p.run({"revoke", "--db", k_nowhere});
    CHECK(revoke.exit_code == 2);
}

TEST_CASE("approve, revoke and approvals on a database pgsafe init never set up say so", "[cli][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    auto approve = p.run({"approve", "1", "--reason", "reviewed", "--db", db->dsn()});
    INFO(approve.out << approve.err);
    CHECK(approve.exit_code == 2);
    CHECK(has(approve.err, "pgsafe init"));
    CHECK(has(approve.out, "CREATE TABLE a"));  // what would have been approved was shown

    auto revoke = p.run({"revoke", "1", "--db", db->dsn()});
    CHECK(revoke.exit_code == 2);
    CHECK(has(revoke.err, "pgsafe init"));

    auto listed = p.run({"approvals", "--env", "staging", "--db", db->dsn()});
    CHECK(listed.exit_code == 2);
    CHECK(has(listed.err, "policies/staging.toml: no policy"));
    auto formats = p.run({"approvals", "--format", "sarif", "--db", db->dsn()});
    CHECK(formats.exit_code == 2);
}

TEST_CASE("audit lists what ran, with who and when, as text and JSON", "[cli][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    auto bad_since = p.run({"audit", "--since", "a week", "--db", db->dsn()});
    CHECK(bad_since.exit_code == 2);
    CHECK(has(bad_since.err, "--since must be a duration"));
    auto sarif = p.run({"audit", "--format", "sarif", "--db", db->dsn()});
    CHECK(sarif.exit_code == 2);

    auto empty = p.run({"audit", "--db", db->dsn()});
    CHECK(empty.exit_code == 0);
    CHECK(has(empty.out, "nothing recorded"));

    REQUIRE(p.run({"migrate", "--db", db->dsn()}).exit_code == 0);
    std::string me = value(db->dsn(), "SELECT session_user");
    auto text = p.run({"audit", "--since", "1h", "--db", db->dsn()});
    INFO(text.out << text.err);
    CHECK(text.exit_code == 0);
    CHECK(has(text.out, me));
    CHECK(has(text.out, "migration-started"));
    CHECK(has(text.out, "step-applied: CREATE TABLE a"));
    CHECK(has(text.out, "migration-applied"));

    auto json = p.run({"audit", "--format", "json", "--db", db->dsn()});
    REQUIRE(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    REQUIRE(j["entries"].size() >= 3);
    CHECK(j["entries"][0]["kind"] == "migration-started");
    CHECK(j["entries"][0]["role"] == me);
    CHECK(j["entries"][0]["version"] == "1");
}

TEST_CASE("plan --db and approve judge only what migrate would run: applied migrations are facts",
          "[cli][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p;
    p.dir.write("migrations/V1__a.sql", "CREATE TABLE items (id bigint PRIMARY KEY, v text);\n");
    p.dir.write("migrations/V2__drop.sql", "ALTER TABLE items DROP COLUMN v;\n");
    auto first = p.run({"migrate", "--to", "1", "--db", db->dsn()});
    REQUIRE(first.exit_code == 0);
    // Planned with V1, items would count as a table this run creates (empty, low risk); migrate sees
    // the applied table and rates the drop high.
    auto r = p.run({"plan", "--db", db->dsn(), "--format", "json"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto plans = nlohmann::json::parse(r.out).at("migrations");
    REQUIRE(plans.size() == 1);
    CHECK(plans[0].at("version") == "2");
    CHECK(plans[0].at("risk") == "high");
}

TEST_CASE("migrate --dry-run is refused as the run would be, exit 5, and prints no SQL", "[cli][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    Project p("[[freeze]]\nfrom = 2000-01-01\nto = 2999-12-31\nreason = \"year-end\"\n");
    p.dir.write("pgsafe.toml", "environment = \"production\"\n");
    auto dry = p.run({"migrate", "--dry-run", "--db", db->dsn()});
    INFO(dry.out << dry.err);
    CHECK(dry.exit_code == 5);
    CHECK(has(dry.err, "year-end"));
    CHECK_FALSE(has(dry.out, "CREATE TABLE a"));
    auto run = p.run({"migrate", "--db", db->dsn()});  // the run meets the same refusal
    CHECK(run.exit_code == 5);
}

TEST_CASE("--break-glass without a reason is refused before connecting, never ignored", "[cli][policy]") {
    Project p;
    for (const std::string reason : {"", "   "}) {
        auto r = p.run({"migrate", "--break-glass", reason, "--db", k_nowhere});
        INFO("[" << reason << "] " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, "--break-glass needs a reason"));
    }
}
