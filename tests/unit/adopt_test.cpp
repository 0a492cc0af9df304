// pgsafe adopt's pure half: each tool's checksum and advisory-lock key
// computed as the tool computes them, and matching a history to files by
// the tool's own version rules, with every reason to stop.

#include "pgsafe/adopt/adopt.hpp"
#include "pgsafe/adopt/history.hpp"

#include "process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace pgsafe;
using adopt::Tool;
using nlohmann::json;

namespace {

source::MigrationFile file(const std::string& dir, const std::string& name) {
    auto parsed = source::parse_migration_name(name);
    source::MigrationFile f;
    f.version = parsed ? parsed->version : "";
    f.name = parsed ? parsed->name : "";
    f.path = std::filesystem::path(dir) / name;
    return f;
}

adopt::HistoryRow row(const std::string& key, std::optional<std::string> checksum = std::nullopt) {
    adopt::HistoryRow r;
    r.key = key;
    r.checksum = std::move(checksum);
    r.row = {{"version", key}};
    return r;
}

bool has_problem(const adopt::AdoptionPlan& plan, const std::string& code) {
    return std::any_of(plan.problems.begin(), plan.problems.end(),
                       [&](const Refusal& r) { return r.code == code; });
}

}  // namespace

TEST_CASE("CRC-32 is the IEEE one every tool uses", "[unit][adopt]") {
    CHECK(adopt::crc32("123456789") == 0xCBF43926u);
}

TEST_CASE("Flyway's checksum ignores line endings and a BOM, and is a signed CRC32 of the lines",
          "[unit][adopt]") {
    // zlib.crc32(b"CREATE TABLE a (id int);SELECT 1;") as a Java int
    CHECK(adopt::flyway_checksum("CREATE TABLE a (id int);\nSELECT 1;\n") == 1455298515);
    CHECK(adopt::flyway_checksum("\xEF\xBB\xBF"
                                 "CREATE TABLE a (id int);\r\nSELECT 1;") == 1455298515);
    CHECK(adopt::flyway_checksum("CREATE TABLE a (id int);\rSELECT 1;\n\n") == 1455298515);
    CHECK(adopt::flyway_checksum("CREATE TABLE a (id int); SELECT 1;") != 1455298515);
    CHECK(adopt::flyway_checksum("") == 0);
}

TEST_CASE("sqlx's SHA-384 is over the bytes as they are; Prisma accepts either line ending; Sqitch SHA-1",
          "[unit][adopt]") {
    CHECK(adopt::sqlx_checksum("CREATE TABLE a (id int);\n") ==
          "52dcffb424aeb77cd96de966de88547001ad9656d3d53e03c8907e0f31653840336ff6b02aeb25a48ef7d46e1ce5f7f9");
    CHECK(adopt::sqlx_checksum("CREATE TABLE a (id int);\r\n") !=
          adopt::sqlx_checksum("CREATE TABLE a (id int);\n"));
    auto lf = adopt::prisma_checksums("a\nb\n");
    auto crlf = adopt::prisma_checksums("a\r\nb\r\n");
    const std::string lf_sum = "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2";
    const std::string crlf_sum = "58055bdcc73787eb88c78d36f0b4939e9c5dc1c3ad17e25cc85a6833cf1a0cab";
    CHECK(std::find(lf.begin(), lf.end(), crlf_sum) != lf.end());
    CHECK(std::find(crlf.begin(), crlf.end(), lf_sum) != crlf.end());
    CHECK(adopt::sqitch_hash("CREATE TABLE a (id int);\n") == "4f45642ec931df92e13364b7a3d95eb876d756b7");
}

TEST_CASE("each tool's advisory lock key is derived as in its source", "[unit][adopt]") {
    // sqlx: 0x3d32ad9e * crc32("zone"), the value sqlx users publish for database "zone"
    CHECK(adopt::tool_lock_key(Tool::Sqlx, "zone", "public", "_sqlx_migrations") == 2771974297191923538LL);
    // Flyway: "Flyway" in ASCII + Java's "\"public\".\"flyway_schema_history\"".hashCode()
    CHECK(adopt::tool_lock_key(Tool::Flyway, "app", "public", "flyway_schema_history") == 77433833903597LL);
    // golang-migrate: uint32(crc32("public\0schema_migrations\0app") * 1486364155)
    CHECK(adopt::tool_lock_key(Tool::GolangMigrate, "app", "public", "schema_migrations") == 1787120056LL);
    CHECK(adopt::tool_lock_key(Tool::Rails, "app", "public", "schema_migrations") == 6939591962871035475LL);
    CHECK(adopt::tool_lock_key(Tool::Goose, "app", "public", "goose_db_version") == 5887940537704921958LL);
    CHECK(adopt::tool_lock_key(Tool::Prisma, "app", "public", "_prisma_migrations") == 72707369LL);
    CHECK(adopt::tool_lock_key(Tool::NodePgMigrate, "app", "public", "pgmigrations") == 7241865325823964LL);
    CHECK(adopt::tool_lock_key(Tool::Sqitch, "app", "sqitch", "") == 75474063LL);
    CHECK_FALSE(adopt::tool_lock_key(Tool::Dbmate, "app", "public", "schema_migrations"));
    CHECK_FALSE(adopt::tool_lock_key(Tool::Diesel, "app", "public", "__diesel_schema_migrations"));
}

TEST_CASE("files are keyed by each tool's own rules, including layouts discovery will find",
          "[unit][adopt]") {
    CHECK(adopt::file_key(Tool::Flyway, file("m", "V1_2__x.sql")) == "1.2");
    CHECK(adopt::same_key(Tool::Flyway, "1.2", "1.2.0"));
    CHECK(adopt::same_key(Tool::GolangMigrate, "0003", "3"));
    CHECK(adopt::file_key(Tool::NodePgMigrate, file("m", "1700000000000_create-users.sql")) ==
          "1700000000000_create-users");
    CHECK(adopt::file_key(Tool::Prisma, file("m", "20240101000000_init.sql")) == "20240101000000_init");
    source::MigrationFile prisma;  // migrations/<folder>/migration.sql, as the Prisma layout will give it
    prisma.version = "20240101000000";
    prisma.path = "prisma/migrations/20240101000000_init/migration.sql";
    CHECK(adopt::file_key(Tool::Prisma, prisma) == "20240101000000_init");
    source::MigrationFile diesel;  // migrations/<YYYY-MM-DD-HHMMSS>_<name>/up.sql
    diesel.version = "2024-01-02-030405";
    diesel.path = "migrations/2024-01-02-030405_create_users/up.sql";
    CHECK(adopt::file_key(Tool::Diesel, diesel) == "20240102030405");
    source::MigrationFile sqitch;
    sqitch.path = "deploy/users.sql";
    CHECK(adopt::file_key(Tool::Sqitch, sqitch) == "users");
}

TEST_CASE("matching: applied rows adopt their files, newer files stay pending", "[unit][adopt]") {
    pgsafe::test::TempDir dir;
    dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
    dir.write("V2__b.sql", "CREATE TABLE b (id int);\r\n");
    dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
    std::vector<source::MigrationFile> files = source::discover_migrations(dir.path());
    adopt::History h;
    h.tool = Tool::Flyway;
    h.table = "public.flyway_schema_history";
    h.exists = true;
    h.applied = {row("1", std::to_string(adopt::flyway_checksum("CREATE TABLE a (id int);"))),
                 row("2", std::to_string(adopt::flyway_checksum("CREATE TABLE b (id int);")))};
    adopt::AdoptOptions options;
    auto plan = adopt::match_history(files, h, {}, options);
    REQUIRE(plan.problems.empty());
    REQUIRE(plan.adopt.size() == 2);
    CHECK(plan.adopt[0].file->version == "1");
    CHECK(plan.adopt[1].check == "flyway checksum verified");
    REQUIRE(plan.pending.size() == 1);
    CHECK(plan.pending[0]->version == "3");

    SECTION("a changed file stops the adoption unless accepted") {
        h.applied[1].checksum = "12345";
        auto changed = adopt::match_history(files, h, {}, options);
        CHECK(has_problem(changed, "changed-since-run"));
        options.accept_changed = {"V2__b.sql"};
        auto accepted = adopt::match_history(files, h, {}, options);
        CHECK(accepted.problems.empty());
        CHECK(accepted.adopt.size() == 2);
        CHECK(accepted.notes.size() == 1);
    }
    SECTION("a row without a file, and an older file without a row, stop it unless --allow-missing") {
        h.applied.push_back(row("2.5"));
        h.applied.erase(h.applied.begin());
        auto missing = adopt::match_history(files, h, {}, options);
        CHECK(has_problem(missing, "history-without-file"));
        CHECK(has_problem(missing, "file-without-history"));
        options.allow_missing = true;
        auto allowed = adopt::match_history(files, h, {}, options);
        CHECK(allowed.problems.empty());
        CHECK(allowed.adopt.size() == 1);
        CHECK(allowed.notes.size() == 2);
    }
    SECTION("the tool's failed state stops it with the tool's words") {
        h.failures.push_back("Flyway: Detected failed migration to version 3 (c).");
        auto failed = adopt::match_history(files, h, {}, options);
        REQUIRE(has_problem(failed, "old-tool-failed"));
        CHECK(failed.problems[0].message.find("Detected failed migration") != std::string::npos);
    }
    SECTION("what pgsafe already recorded is not adopted again; a different record is a conflict") {
        auto again = adopt::match_history(files, h, {{"1", files[0].checksum, true}}, options);
        CHECK(again.adopt.size() == 1);
        CHECK(again.already.size() == 1);
        auto conflict = adopt::match_history(files, h, {{"1", "sha256:other", true}}, options);
        CHECK(has_problem(conflict, "adopt-conflict"));
    }
}

TEST_CASE("golang-migrate's one row covers every file up to it", "[unit][adopt]") {
    std::vector<source::MigrationFile> files = {file("m", "1_a.up.sql"), file("m", "2_b.up.sql"),
                                                file("m", "3_c.up.sql")};
    adopt::History h;
    h.tool = Tool::GolangMigrate;
    h.exists = true;
    adopt::HistoryRow r = row("2");
    r.covers_earlier = true;
    h.applied = {r};
    auto plan = adopt::match_history(files, h, {}, {});
    REQUIRE(plan.problems.empty());
    REQUIRE(plan.adopt.size() == 2);
    CHECK(plan.adopt[0].check == "covered by version 2");
    CHECK(plan.adopt[1].check == "no checksum kept");
    REQUIRE(plan.pending.size() == 1);
    CHECK(plan.pending[0]->version == "3");
}

TEST_CASE("Rails and Django are adopted as a baseline; pgsafe baseline adopts up to a version",
          "[unit][adopt]") {
    std::vector<source::MigrationFile> files = {file("m", "V1__a.sql"), file("m", "V2__b.sql")};
    adopt::History h;
    h.tool = Tool::Rails;
    h.exists = true;
    h.applied = {row("20230101000000"), row("20240101000000")};
    auto plan = adopt::match_history(files, h, {}, {});
    CHECK(plan.adopt.empty());
    CHECK(plan.baseline == std::optional<std::string>("20240101000000"));
    CHECK(plan.pending.size() == 2);

    auto base = adopt::plan_baseline(files, "1", {});
    REQUIRE(base.adopt.size() == 1);
    CHECK(base.adopt[0].file->version == "1");
    CHECK(base.pending.size() == 1);
}
