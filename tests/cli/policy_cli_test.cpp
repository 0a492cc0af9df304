// Policies from the command line: plan --env's verdict (JSON, and the
// markdown pull-request comment against its golden file), the errors a
// policy file can hold (each file:line:col, exit 2, nothing runs), status
// --env's verdict per pending migration, and migrate --wait-for-window with a
// window that opens in under a minute.

#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <unistd.h>

using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

namespace {

const std::string k_fixture = "tests/cli/plan-markdown";
const std::string k_expected = k_fixture + "/expected.md";
const std::string k_stats = "docs/examples/production-stats.json";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::vector<std::string> plan_args(const std::string& format) {
    return {"plan",     k_fixture + "/migrations",
            "--stats",  k_stats,
            "--config", k_fixture + "/pgsafe.toml",
            "--env",    "review",
            "--format", format};
}

// A project with one high-risk migration and policies/production.toml = `policy`.
struct PolicyProject {
    TempDir dir;
    std::string config;
    explicit PolicyProject(const std::string& policy) {
        config = dir.write("pgsafe.toml", "");
        dir.write("migrations/V1__drop.sql", "CREATE TABLE gone (id int);\nDROP TABLE gone;\n");
        dir.write("policies/production.toml", policy);
    }
    pgsafe::test::ProcessResult plan(const std::string& env = "production") const {
        return run_pgsafe({"plan", dir.path() + "/migrations", "--config", config, "--env", env});
    }
};

}  // namespace

TEST_CASE("plan --format markdown: the pull-request comment matches the golden file", "[cli][policy]") {
    auto r = run_pgsafe(plan_args("markdown"));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    if (const char* update = std::getenv("UPDATE_SNAPSHOTS"); update != nullptr && *update != '\0')
        std::ofstream(k_expected, std::ios::binary) << r.out;
    CHECK(r.out == slurp(k_expected));
    CHECK(r.out.rfind("<!-- pgsafe plan -->\n", 0) == 0);  // CI finds its comment by this line
}

TEST_CASE("plan --env --format json: each migration's verdict", "[cli][policy]") {
    auto r = run_pgsafe(plan_args("json"));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto plan = nlohmann::json::parse(r.out);
    CHECK(plan["environment"] == "review");
    const auto& drop = plan["migrations"][1];
    CHECK(drop["risk"] == "high");
    CHECK(drop["verdict"]["allowed"] == false);
    CHECK(drop["verdict"]["reasons"][0]["code"] == "needs-approval");
    CHECK(drop["verdict"]["reasons"][0]["unlock"] == "pgsafe approve 2 --env review");
    CHECK(drop["verdict"]["approvals"] == nlohmann::json({{"have", 0}, {"need", 2}}));
    CHECK(drop["verdict"]["window"].is_null());
    CHECK(plan["migrations"][2]["verdict"]["allowed"] == true);
}

TEST_CASE("status --env: whether each pending migration may run now, and why not", "[cli][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    const std::string role = "pgsafe_status_" + std::to_string(getpid());
    pgsafe::test::exec(db->dsn(),
                       "CREATE TABLE patients (id bigint PRIMARY KEY); CREATE TABLE measurements (id bigint, "
                       "patient_id bigint); CREATE TABLE legacy_readings (id int); CREATE ROLE " +
                           role + " LOGIN");
    struct DropRole {
        std::string dsn, role;
        ~DropRole() {
            try {
                pgsafe::test::exec(dsn, "DROP ROLE " + role);
            } catch (const std::exception&) {
            }
        }
    } drop_role{db->admin_dsn(), role};
    // The markdown fixture's migrations, under a policy naming roles every cluster has.
    TempDir project;
    std::string config = project.write("pgsafe.toml", "");
    for (const char* name : {"V1__measurements_fk.sql", "V2__drop_legacy.sql", "V3__notes.sql"})
        project.write(std::string("migrations/") + name, slurp(k_fixture + "/migrations/" + name));
    project.write("policies/review.toml",
                  "[access]\nrun = []\napprove = [\"pg_read_all_data\"]\n\n[approval]\nrequired_for = "
                  "[\"high\"]\napprovers = 2\n");
    auto status = [&](const std::string& dsn, const std::string& format) {
        return run_pgsafe({"status", project.path() + "/migrations", "--config", config, "--env", "review",
                           "--db", dsn, "--format", format});
    };

    // A superuser could forge approvals: nothing may run as one under a policy that needs them.
    auto superuser = status(db->dsn(), "text");
    INFO(superuser.out << superuser.err);
    REQUIRE(superuser.exit_code == 0);
    CHECK(superuser.out.find("refused: superuser") != std::string::npos);
    CHECK(superuser.out.find("allowed now") == std::string::npos);

    const std::string as_role = pgsafe::test::as_role(db->dsn(), role);
    auto text = status(as_role, "text");
    INFO(text.out << text.err);
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("refused: needs-approval") != std::string::npos);
    CHECK(text.out.find("allowed now") != std::string::npos);

    auto r = status(as_role, "json");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, nlohmann::json> verdicts;
    const auto report = nlohmann::json::parse(r.out);
    for (const auto& m : report["migrations"]) verdicts[m["version"].get<std::string>()] = m["verdict"];
    REQUIRE(verdicts.size() == 3);
    CHECK(verdicts["2"]["allowed"] == false);  // DROP TABLE is high risk: two approvals needed, none given
    CHECK(verdicts["2"]["reasons"][0]["code"] == "needs-approval");
    CHECK(verdicts["2"]["approvals"] == nlohmann::json({{"have", 0}, {"need", 2}}));
    CHECK(verdicts["3"]["allowed"] == true);  // a new table needs nobody
}

TEST_CASE("policy errors: each located, exit 2", "[cli][policy]") {
    auto unknown = PolicyProject("[acces]\nrun = []\n").plan();
    CHECK(unknown.exit_code == 2);
    CHECK(
        unknown.err.find("policies/production.toml:1:2: unknown key \"acces\" (did you mean \"access\"?)") !=
        std::string::npos);

    const std::string window = "[[window]]\nname = \"nightly\"\ndays = [\"mon\"]\nstart = \"22:00\"\n";
    auto zone = PolicyProject(window + "end = \"06:00\"\ntimezone = \"Mars/Olympus\"\n").plan();
    CHECK(zone.exit_code == 2);
    CHECK(
        zone.err.find("policies/production.toml:6:12: \"timezone\" in [window] must be an IANA time zone") !=
        std::string::npos);

    auto empty = PolicyProject(window + "end = \"22:00\"\ntimezone = \"UTC\"\n").plan();
    CHECK(empty.exit_code == 2);
    CHECK(empty.err.find("policies/production.toml:5:7: window \"nightly\" ends when it starts") !=
          std::string::npos);

    auto missing = PolicyProject("").plan("staging");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("policies/staging.toml: no policy file for environment \"staging\"") !=
          std::string::npos);
}

TEST_CASE("migrate --wait-for-window waits for a window that opens within the minute", "[cli][policy]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    // The next minute, or the one after when this one ends before the refused run would.
    int start = (utc.tm_hour * 60 + utc.tm_min + (utc.tm_sec < 50 ? 1 : 2)) % (24 * 60);
    int end = (start + 3) % (24 * 60);
    auto hhmm = [](int minutes) {
        char text[8];
        std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60, minutes % 60);
        return std::string(text);
    };
    PolicyProject p(
        "[[window]]\nname = \"soon\"\ndays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", "
        "\"sun\"]\nstart = \"" +
        hhmm(start) + "\"\nend = \"" + hhmm(end) + "\"\ntimezone = \"UTC\"\n");
    std::vector<std::string> args = {
        "migrate",   p.dir.path() + "/migrations", "--db", db->dsn(), "--config", p.config, "--env",
        "production"};
    auto refused = run_pgsafe(args);
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 5);
    CHECK(refused.out.find("window \"soon\" opens in") != std::string::npos);

    args.insert(args.end(), {"--wait-for-window", "5m"});
    auto waited = run_pgsafe(args);
    INFO(waited.out << waited.err);
    CHECK(waited.exit_code == 0);
    CHECK(waited.err.find("waiting") != std::string::npos);
}
