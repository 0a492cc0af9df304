// Passwords in connection strings never reach stdout or stderr, whatever the
// string looks like: pgsafe shows what libpq itself parsed, without the
// password, and nothing of a string libpq cannot parse.

#include "process.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using pgsafe::test::ProcessResult;
using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

namespace {

struct Case {
    std::string dsn;
    std::string secret;  // a part of the password that must not be shown
};

// Port 1 on the loopback refuses at once: every case fails to connect.
const std::vector<Case> k_cases = {
    {"postgresql://alice:pa?ss#w0rd@127.0.0.1:1/app", "ss#w0rd"},            // ? and # in a URL password
    {"postgresql://alice:s3%zzcretA@127.0.0.1:1/app", "zzcretA"},            // invalid percent-encoding
    {"POSTGRESQL://alice:Upp3rSecret@127.0.0.1:1/app", "Upp3rSecret"},       // upper-case scheme
    {"postgresql://alice:v6Secret@[::1:1/app", "v6Secret"},                  // unterminated IPv6 host
    {"host=127.0.0.1 port=1 password=spa ceSecret dbname=app", "ceSecret"},  // unquoted space
    {"postgresql://alice:plainSecret@127.0.0.1:1/app", "plainSecret"},       // -v's "connecting to"
};

void check_hidden(const ProcessResult& r, const std::string& secret) {
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.out.find(secret) == std::string::npos);
    CHECK(r.err.find(secret) == std::string::npos);
}

}  // namespace

TEST_CASE("a password in --db or DATABASE_URL is never printed, with -v too", "[cli][password]") {
    TempDir dir;
    std::string migrations = dir.path() + "/migrations";
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    for (const auto& c : k_cases) {
        INFO(c.dsn);
        for (const char* command : {"migrate", "status"}) {
            check_hidden(run_pgsafe({"-v", command, migrations, "--db", c.dsn}), c.secret);
            check_hidden(
                run_pgsafe({"-v", command, migrations, "--format", "json"}, {"DATABASE_URL=" + c.dsn}),
                c.secret);
        }
    }
}

TEST_CASE("-v says where it connects, without the password", "[cli][password]") {
    TempDir dir;
    std::string migrations = dir.path() + "/migrations";
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    auto r =
        run_pgsafe({"-v", "status", migrations, "--db", "postgresql://alice:plainSecret@127.0.0.1:1/app"});
    INFO(r.err);
    CHECK(r.err.find("connecting to user=alice dbname=app host=127.0.0.1 port=1 password=***") !=
          std::string::npos);
    auto bad = run_pgsafe({"status", migrations, "--db", "POSTGRESQL://alice:Upp3rSecret@127.0.0.1:1/app"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("not one libpq can parse") != std::string::npos);
}
