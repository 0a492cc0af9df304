// What `pgsafe new` names the next migration: the folder's layout, the next
// version (padding, dotted Flyway versions, timestamps), a name that parses
// back, and the names it refuses. The clock is a value here.

#include "pgsafe/source/next_migration.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <date/date.h>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgsafe::source;
using std::chrono::system_clock;

namespace {

// 2026-12-01 04:48:07 UTC
system_clock::time_point at(int year, unsigned month, unsigned day, int h, int m, int s) {
    return date::sys_days{date::year{year} / month / day} + std::chrono::hours{h} + std::chrono::minutes{m} +
           std::chrono::seconds{s};
}
const system_clock::time_point k_now = at(2026, 12, 1, 4, 48, 7);

std::string next(const std::vector<std::string>& existing, const std::string& name = "add_users") {
    return next_migration(existing, name, k_now).file_name;
}

}  // namespace

TEST_CASE("an empty folder starts at V1__name.sql", "[source][new]") {
    CHECK(next({}) == "V1__add_users.sql");
    CHECK(next({"README.md", "notes.txt", "draft.sql"}) == "V1__add_users.sql");
}

TEST_CASE("Flyway folders get the next version, numerically", "[source][new]") {
    CHECK(next({"V1__a.sql", "V2__b.sql", "V10__c.sql", "V9__d.sql"}) == "V11__add_users.sql");
    CHECK(next({"V009__a.sql", "V010__b.sql"}) == "V011__add_users.sql");
    CHECK(next({"V1.2.9__a.sql", "V1.2.10__b.sql", "V1.1.99__c.sql"}) == "V1.2.11__add_users.sql");
    CHECK(next({"V1_1__a.sql"}) == "V1_2__add_users.sql");
}

TEST_CASE("numbered folders keep their zero padding and suffix", "[source][new]") {
    CHECK(next({"0001_a.sql", "0002_b.sql"}) == "0003_add_users.sql");
    CHECK(next({"0009_a.sql"}) == "0010_add_users.sql");
    CHECK(next({"99_a.sql"}) == "100_add_users.sql");
    CHECK(next({"000001_a.up.sql", "000001_a.down.sql", "000002_b.up.sql"}) == "000003_add_users.up.sql");
    // A down file counts for its version, so the new version is free in both directions.
    CHECK(next({"000001_a.up.sql", "000002_b.down.sql"}) == "000003_add_users.up.sql");
    // Versions of any length, with no overflow.
    CHECK(next({"99999999999999999999_a.sql"}) == "100000000000000000000_add_users.sql");
}

TEST_CASE("the highest version's file decides the layout of a mixed folder", "[source][new]") {
    CHECK(next({"V1__a.sql", "0002_b.up.sql"}) == "0003_add_users.up.sql");
    CHECK(next({"1_a.sql", "V3__b.sql"}) == "V4__add_users.sql");
}

TEST_CASE("timestamped folders get the current UTC time", "[source][new]") {
    CHECK(next({"20240101120000_a.sql", "20240102120000_b.sql"}) == "20261201044807_add_users.sql");
    CHECK(next({"20240101120000_a.up.sql"}) == "20261201044807_add_users.up.sql");
    CHECK(next({"V20240101120000__a.sql"}) == "V20261201044807__add_users.sql");
}

TEST_CASE("a timestamp not later than the highest is one second after it", "[source][new]") {
    // A clock behind the folder (another machine's clock, two files in one second) must still sort last.
    CHECK(next({"20261201044807_a.sql"}) == "20261201044808_add_users.sql");
    CHECK(next({"20991231235959_a.sql"}) == "21000101000000_add_users.sql");
}

TEST_CASE("14-digit versions that are not timestamps count up", "[source][new]") {
    CHECK(next({"00000000000001_a.sql"}) == "00000000000002_add_users.sql");
    CHECK(next({"20241399000000_a.sql"}) == "20241399000001_add_users.sql");  // month 13
}

TEST_CASE("every new name parses back as the version it was given", "[source][new]") {
    for (const std::vector<std::string>& folder : {std::vector<std::string>{},
                                                   {"V7__a.sql"},
                                                   {"0001_a.sql"},
                                                   {"01_a.up.sql"},
                                                   {"20240101120000_a.sql"}}) {
        for (const char* name : {"add_users", "AddUsers", "drop-legacy-ids", "x1"}) {
            auto migration = next_migration(folder, name, k_now);
            auto parsed = parse_migration_name(migration.file_name);
            REQUIRE(parsed);
            CHECK(parsed->version == migration.version);
            CHECK(parsed->name == name);
            for (const auto& old : folder)
                CHECK(version_less(parse_migration_name(old)->version, parsed->version));
        }
    }
}

TEST_CASE("names that are not slugs are refused with the reason", "[source][new]") {
    auto refused = [](const std::string& name) {
        try {
            next_migration({}, name, k_now);
        } catch (const pgsafe::Error& e) {
            CHECK(e.kind() == pgsafe::ErrorKind::Usage);
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK_THAT(refused(""), Catch::Contains("is empty"));
    CHECK_THAT(refused("add users"), Catch::Contains("contains a space"));
    CHECK_THAT(refused("1_add"), Catch::Contains("does not start with a letter"));
    CHECK_THAT(refused("../etc/passwd"), Catch::Contains("does not start with a letter"));
    CHECK_THAT(refused("a/b"), Catch::Contains("a file name cannot safely hold"));
    CHECK_THAT(refused("a.b"), Catch::Contains("a file name cannot safely hold"));
    CHECK_THAT(refused("add__users"), Catch::Contains("\"__\""));
    CHECK_THAT(refused("café"), Catch::Contains("a file name cannot safely hold"));
    CHECK_THAT(refused(std::string(101, 'a')), Catch::Contains("longer than 100"));
    CHECK(refused(std::string(100, 'a')) == "accepted");
    CHECK_THAT(refused("add users"), Catch::Contains("for example add_users_email"));
}

TEST_CASE("the header names the migration and the UTC time it was made", "[source][new]") {
    auto migration = next_migration({"V3__a.sql"}, "add_users", k_now);
    std::string header = new_migration_header(migration, k_now);
    CHECK(header.rfind("-- Migration 4: add_users\n-- Created 2026-12-01 04:48:07 UTC by `pgsafe new`.\n",
                       0) == 0);
    CHECK(header.substr(header.size() - 2) == "\n\n");
}
