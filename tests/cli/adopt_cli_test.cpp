// `pgsafe adopt` and `pgsafe baseline` before any database work: the tool
// must be named and known (exit 2, the tools listed), and an unreachable
// database is exit 4 with the password hidden.

#include "process.hpp"

#include <catch2/catch.hpp>

using pgsafe::test::run_pgsafe_in;
using pgsafe::test::TempDir;

TEST_CASE("adopt needs a known --from; baseline needs a version", "[cli][adopt]") {
    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    auto none = run_pgsafe_in(dir.path(), {"adopt"});
    CHECK(none.exit_code == 2);
    CHECK(none.err.find("--from") != std::string::npos);
    auto unknown = run_pgsafe_in(dir.path(), {"adopt", "--from", "liquibase"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("golang-migrate") != std::string::npos);  // the tools it knows
    CHECK(run_pgsafe_in(dir.path(), {"baseline"}).exit_code == 2);
}

TEST_CASE("adopt against an unreachable database: exit 4, the password hidden", "[cli][adopt]") {
    TempDir dir;
    dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
    auto r = run_pgsafe_in(
        dir.path(), {"adopt", "--from", "flyway", "--db", "postgresql://deploy:s3cret-pw@127.0.0.1:1/app"});
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("s3cret-pw") == std::string::npos);
}
