// `pgsafe migrate` and `pgsafe status` as a pipeline meets them before any
// database work: bad flags and configuration are usage errors (exit 2)
// found before connecting, and an unreachable database is exit 4 with a
// JSON result and no password in sight.

#include "process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using pgsafe::test::run_pgsafe;
using pgsafe::test::run_pgsafe_in;
using pgsafe::test::TempDir;

namespace {

// Port 1 on loopback: nothing listens, the connection is refused at once.
const std::string k_nowhere = "postgresql://deploy:s3cret-pw@127.0.0.1:1/app";

}  // namespace

TEST_CASE("migrate against an unreachable database: exit 4, a JSON result, the password hidden",
          "[cli][migrate]") {
    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    auto r = run_pgsafe_in(dir.path(), {"migrate", "--db", k_nowhere, "--format", "json"});
    CHECK(r.exit_code == 4);
    auto out = nlohmann::json::parse(r.out);
    CHECK(out["status"] == "failed");
    CHECK(out["applied"].empty());
    CHECK(out["error"]["message"].get<std::string>().find(
              "cannot connect to user=deploy dbname=app host=127.0.0.1 port=1 password=***") !=
          std::string::npos);
    CHECK(r.out.find("s3cret-pw") == std::string::npos);
    CHECK(r.err.find("s3cret-pw") == std::string::npos);

    auto status = run_pgsafe_in(dir.path(), {"status", "--db", k_nowhere});
    CHECK(status.exit_code == 4);
    CHECK(status.err.find("s3cret-pw") == std::string::npos);
}

TEST_CASE("every command asked for JSON prints a JSON error when it cannot connect", "[cli][migrate]") {
    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    const std::vector<std::vector<std::string>> commands = {
        {"status"}, {"plan"}, {"approvals"}, {"audit"}, {"lint", "migrations"}};
    for (const auto& command : commands) {
        std::vector<std::string> args = command;
        for (const std::string more : {"--db", k_nowhere.c_str(), "--format", "json"}) args.push_back(more);
        auto r = run_pgsafe_in(dir.path(), args);
        INFO(command.front() << ": " << r.out << r.err);
        CHECK(r.exit_code == 4);
        auto out = nlohmann::json::parse(r.out);
        CHECK(out["error"]["kind"] == "database");
        CHECK(out["error"]["exit_code"] == 4);
        CHECK(out["error"]["message"].get<std::string>().find("cannot connect to user=deploy dbname=app") !=
              std::string::npos);
        CHECK(r.out.find("s3cret-pw") == std::string::npos);
    }
}

TEST_CASE("migrate usage errors are found before connecting: exit 2, located", "[cli][migrate]") {
    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");

    auto to = run_pgsafe_in(dir.path(), {"migrate", "--db", k_nowhere, "--to", "7"});
    CHECK(to.exit_code == 2);
    CHECK(to.err.find("--to 7: no migration has this version") != std::string::npos);

    auto missing = run_pgsafe_in(dir.path(), {"migrate", "nowhere/", "--db", k_nowhere});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("nowhere") != std::string::npos);

    dir.write("pgsafe.toml", "[run]\nbatch_pause = 10\n");
    auto config = run_pgsafe_in(dir.path(), {"migrate", "--db", k_nowhere});
    CHECK(config.exit_code == 2);
    CHECK(config.err.find("pgsafe.toml:2:1: unknown key \"batch_pause\" in [run]") != std::string::npos);

    dir.write("pgsafe.toml", "[run]\nshow_blocker_queries = \"no\"\n");
    auto type = run_pgsafe_in(dir.path(), {"migrate", "--db", k_nowhere});
    CHECK(type.exit_code == 2);
    CHECK(type.err.find("must be true or false") != std::string::npos);
}

TEST_CASE("migrate --help names the flags a pipeline needs", "[cli][migrate]") {
    auto r = run_pgsafe({"migrate", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* flag : {"--dry-run", "--to", "--lock-wait", "--allow-out-of-order"})
        CHECK(r.out.find(flag) != std::string::npos);
}

TEST_CASE("migrate and init --lock-wait take seconds or a duration; anything else is a usage error",
          "[cli][migrate]") {
    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    for (const char* wait : {"300", "2.5", "90s", "5m", "1h"}) {
        INFO("--lock-wait " << wait);
        auto r = run_pgsafe_in(dir.path(), {"migrate", "--db", k_nowhere, "--lock-wait", wait});
        CHECK(r.exit_code == 4);  // accepted: the run got as far as connecting
    }
    for (const char* wait : {"soon", "-5", "5 minutes", ""}) {
        INFO("--lock-wait " << wait);
        auto r = run_pgsafe_in(dir.path(), {"migrate", "--db", k_nowhere, "--lock-wait", wait});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(R"(expected seconds ("300") or a duration ("90s", "5m", "1h"))") !=
              std::string::npos);
    }
    auto init = run_pgsafe_in(dir.path(), {"init", "--env", "x", "--db", k_nowhere, "--lock-wait", "later"});
    CHECK(init.exit_code == 2);
    CHECK(init.err.find("expected seconds") != std::string::npos);
}
