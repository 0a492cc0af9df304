// Other tools' folder layouts (source/layout.hpp): for each tool, the files
// it runs and in which order, the part of each file it runs with positions
// that are the file's own, its transaction markers, what it refuses, and
// which folders `auto` recognises. Small folders written per test.

#include "pgsafe/source/layout.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgsafe::source;

namespace {

class Folder {
public:
    Folder() {
        static std::atomic<int> counter{0};
        m_path = fs::temp_directory_path() /
                 ("pgsafe_layout_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~Folder() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    Folder(const Folder&) = delete;
    Folder& operator=(const Folder&) = delete;
    const fs::path& path() const { return m_path; }
    fs::path write(const std::string& relative, const std::string& text = "SELECT 1;\n") const {
        fs::path file = m_path / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

private:
    fs::path m_path;
};

std::vector<std::string> versions(const std::vector<MigrationFile>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.version);
    return out;
}

std::vector<std::string> names(const std::vector<MigrationFile>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.name);
    return out;
}

std::string usage_error(const std::function<void()>& body) {
    try {
        body();
    } catch (const pgsafe::Error& e) {
        CHECK(e.kind() == pgsafe::ErrorKind::Usage);
        return e.what();
    }
    FAIL("no error thrown");
    return "";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const char* k_goose = R"(-- A header comment
-- +goose NO TRANSACTION

-- +goose Up
CREATE TABLE t (id int);
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP TABLE t;
)";

}  // namespace

TEST_CASE("layout names round-trip, and unknown names are refused", "[source][layout]") {
    for (auto name : layout_names()) {
        auto layout = layout_from_name(name);
        REQUIRE(layout);
        CHECK(layout_name(*layout) == name);
    }
    CHECK_FALSE(layout_from_name("liquibase"));
    CHECK(layout_names().size() == 12);  // auto, pgsafe and ten tools (sqitch the last)
}

TEST_CASE("auto reads a plain folder in pgsafe's own layout, exactly as before", "[source][layout]") {
    Folder dir;
    dir.write("V1__init.sql");
    dir.write("0002_more.up.sql");
    dir.write("0002_more.down.sql", "DROP TABLE t;\n");
    dir.write("20240101120000_later.sql");
    auto detected = detect_layout(dir.path());
    CHECK(detected.layout == Layout::Pgsafe);
    auto found = discover(dir.path(), Layout::Auto);
    CHECK(found.layout == Layout::Pgsafe);
    CHECK(versions(found.files) == versions(discover_migrations(dir.path())));
    CHECK(found.files.front().checksum == discover_migrations(dir.path()).front().checksum);
}

TEST_CASE("flyway: V files with '_' as '.', undo ignored, repeatables last, .sql.conf", "[source][layout]") {
    Folder dir;
    dir.write("V1_1__split.sql");
    dir.write("V1__init.sql");
    dir.write("U1_1__split.sql", "DROP TABLE t;\n");
    dir.write("sub/V2__in_subfolder.sql");
    dir.write("V3__concurrent.sql", "CREATE INDEX CONCURRENTLY i ON t (id);\n");
    dir.write("V3__concurrent.sql.conf", "# Flyway script configuration\nexecuteInTransaction=false\n");
    auto found = discover(dir.path(), Layout::Flyway);
    CHECK(versions(found.files) == std::vector<std::string>{"1", "1.1", "2", "3"});
    CHECK(names(found.files) == std::vector<std::string>{"init", "split", "in_subfolder", "concurrent"});
    CHECK(found.transactions[3].wrapped == false);
    CHECK(found.transactions[3].marker == "executeInTransaction=false");
    CHECK(found.transactions[0].wrapped);
    CHECK(found.refused.empty());

    dir.write("R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n");
    dir.write("sub/R__a_function.sql",
              "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
    dir.write("V4__after.sql");
    found = discover(dir.path(), Layout::Flyway);
    CHECK(found.refused.empty());
    // after every versioned migration, in description order, keyed "R__<description>"
    CHECK(versions(found.files) ==
          std::vector<std::string>{"1", "1.1", "2", "3", "4", "R__a_function", "R__views"});
    CHECK(names(found.files).back() == "views");
    CHECK(found.files.back().path.filename() == "R__views.sql");
    CHECK(versions(discover_migrations(dir.path(), Layout::Flyway)).size() == 7);  // none refused
}

TEST_CASE("flyway: a bad sidecar key, a duplicate version and a placeholder are errors", "[source][layout]") {
    Folder dir;
    dir.write("V1__a.sql");
    dir.write("V1__a.sql.conf", "executeInTransaction=maybe\n");
    dir.write("V1_0__b.sql");
    dir.write("V2__c.sql", "CREATE SCHEMA ${schema};\n");
    dir.write("notes.sql");
    auto message = usage_error([&] { discover(dir.path(), Layout::Flyway); });
    CHECK(contains(message, "V1__a.sql.conf:1: \"executeInTransaction=maybe\""));
    CHECK(contains(message, "duplicate migration version 1"));
    CHECK(contains(message, "V2__c.sql:1: Flyway replaces ${…} placeholders"));
    CHECK(contains(message, "notes.sql: file name fits no Flyway migration pattern"));
}

TEST_CASE("golang-migrate: .up.sql files in numeric order, .down.sql ignored, others refused",
          "[source][layout]") {
    Folder dir;
    dir.write("10_ten.up.sql");
    dir.write("10_ten.down.sql");
    dir.write("9_nine.up.sql");
    auto found = discover(dir.path(), Layout::GolangMigrate);
    CHECK(versions(found.files) == std::vector<std::string>{"9", "10"});
    CHECK(names(found.files) == std::vector<std::string>{"nine", "ten"});
    dir.write("11_eleven.sql");
    CHECK(contains(usage_error([&] { discover(dir.path(), Layout::GolangMigrate); }),
                   "11_eleven.sql: file name fits no golang-migrate migration pattern"));
}

TEST_CASE(
    "popx: only the postgres dialect, shadowing the generic file; autocommit runs without a transaction",
    "[source][layout]") {
    Folder dir;
    dir.write("20200101000000000000_net.up.sql", "-- generic\n");
    dir.write("20200101000000000000_net.postgres.up.sql", "-- postgres\n");
    dir.write("20200101000000000000_net.mysql.up.sql", "-- mysql\n");
    dir.write("20200101000000000000_net.postgres.down.sql");
    dir.write("20200102000000000000_idx.postgres.autocommit.up.sql",
              "CREATE INDEX CONCURRENTLY i ON t (id);\n");
    dir.write("20200103000000000000_all.up.sql", "SELECT 3;\n");
    dir.write("20200103000000000000_all.cockroach.up.sql", "SELECT 4;\n");
    auto found = discover(dir.path(), Layout::Popx);
    REQUIRE(found.files.size() == 3);
    CHECK(found.files[0].text == "-- postgres\n");
    CHECK(found.transactions[1].wrapped == false);
    CHECK(found.files[1].name == "idx");
    CHECK(found.files[2].text == "SELECT 3;\n");
    CHECK(detect_layout(dir.path()).layout == Layout::Popx);
}

TEST_CASE("goose: only the Up section runs, at the file's own lines; NO TRANSACTION; checksum of Up",
          "[source][layout]") {
    Folder dir;
    dir.write("00001_init.sql", k_goose);
    auto found = discover(dir.path(), Layout::Goose);
    REQUIRE(found.files.size() == 1);
    const MigrationFile& file = found.files[0];
    CHECK(file.version == "00001");
    CHECK(file.name == "init");
    CHECK(found.transactions[0].wrapped == false);
    CHECK(found.transactions[0].marker == "-- +goose NO TRANSACTION");
    CHECK_FALSE(contains(file.text, "DROP TABLE"));

    // The statements keep the file's line numbers: CREATE TABLE is line 5, the function line 7.
    auto parsed = pgsafe::sql::parse_sql(file.text, {pgsafe::sql::KeepTree::No});
    REQUIRE(parsed.ok());
    REQUIRE(parsed.statements.size() == 2);
    pgsafe::sql::LineIndex lines(file.text);
    CHECK(lines.position(parsed.statements[0].span.begin).line == 5);
    CHECK(lines.position(parsed.statements[1].span.begin).line == 7);

    // The checksum is the Up section's: from the Up marker's line to the Down marker's line.
    std::string text = k_goose;
    std::string up =
        text.substr(text.find("-- +goose Up"), text.find("-- +goose Down") - text.find("-- +goose Up"));
    CHECK(file.checksum == sha256_checksum(up));
    // Editing the Down section is not a change of what runs.
    dir.write("00001_init.sql", text + "DROP FUNCTION f();\n");
    CHECK(discover(dir.path(), Layout::Goose).files[0].checksum == file.checksum);
    CHECK(detect_layout(dir.path()).layout == Layout::Goose);
}

TEST_CASE("goose: files goose refuses are refused; Go migrations are listed as refused", "[source][layout]") {
    Folder dir;
    dir.write("00001_no_up.sql", "-- only a comment\n");
    dir.write("00002_open.sql", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n");
    dir.write("00003_down_first.sql", "-- +goose Down\nSELECT 1;\n-- +goose Up\nSELECT 2;\n");
    dir.write("00004_before.sql", "SELECT 0;\n-- +goose Up\nSELECT 1;\n");
    dir.write("00005_env.sql", "-- +goose ENVSUBST ON\n-- +goose Up\nSELECT '${X}';\n");
    auto message = usage_error([&] { discover(dir.path(), Layout::Goose); });
    CHECK(contains(message, "00001_no_up.sql: goose: no '-- +goose Up' annotation"));
    CHECK(contains(message,
                   "00002_open.sql:2: goose: '-- +goose StatementBegin' without '-- +goose StatementEnd'"));
    CHECK(contains(message, "00003_down_first.sql:1: goose: '-- +goose Down' before '-- +goose Up'"));
    CHECK(contains(message, "00004_before.sql:1: goose: a statement before '-- +goose Up'"));
    CHECK(contains(message, "00005_env.sql:1: goose: '-- +goose ENVSUBST ON'"));

    Folder go;
    go.write("00001_init.sql", "-- +goose Up\nSELECT 1;\n");
    go.write("00002_backfill.go", "package migrations\n");
    go.write("main_test.go", "package migrations\n");
    auto found = discover(go.path(), Layout::Goose);
    CHECK(found.files.size() == 1);
    REQUIRE(found.refused.size() == 1);
    CHECK(found.refused[0].path.filename() == "00002_backfill.go");
    CHECK(contains(usage_error([&] { discover_migrations(go.path(), Layout::Goose); }),
                   "00002_backfill.go: a goose migration written in Go: pgsafe runs SQL files only"));
}

TEST_CASE("dbmate: the migrate:up block, transaction:false, statements before it refused",
          "[source][layout]") {
    Folder dir;
    dir.write("20240101000000_a.sql",
              "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (id);\n\n-- "
              "migrate:down\nDROP INDEX i;\n");
    auto found = discover(dir.path(), Layout::Dbmate);
    REQUIRE(found.files.size() == 1);
    CHECK(found.transactions[0].wrapped == false);
    CHECK(found.transactions[0].marker == "-- migrate:up transaction:false");
    CHECK(found.files[0].text ==
          "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (id);\n\n");
    CHECK(detect_layout(dir.path()).layout == Layout::Dbmate);

    dir.write("20240102000000_b.sql", "SELECT 0;\n-- migrate:up\nSELECT 1;\n");
    CHECK(contains(usage_error([&] { discover(dir.path(), Layout::Dbmate); }),
                   "20240102000000_b.sql:1: dbmate: a statement before the '-- migrate:up' block"));
}

TEST_CASE("diesel: a directory per migration, Diesel's order, metadata.toml run_in_transaction",
          "[source][layout]") {
    Folder dir;
    dir.write("00000000000000_diesel_initial_setup/up.sql", "SELECT 0;\n");
    dir.write("00000000000000_diesel_initial_setup/down.sql", "SELECT 0;\n");
    dir.write("2019-02-26-002946_create_user/up.sql", "CREATE TABLE u (id int);\n");
    dir.write("2019-02-26-002946_create_user/down.sql", "DROP TABLE u;\n");
    dir.write("2020-01-01-000000_index/up.sql", "CREATE INDEX CONCURRENTLY i ON u (id);\n");
    dir.write("2020-01-01-000000_index/metadata.toml", "run_in_transaction = false\n");
    dir.write("data_seed.sql", "INSERT INTO u VALUES (1);\n");  // Diesel reads directories only
    auto found = discover(dir.path(), Layout::Diesel);
    CHECK(versions(found.files) ==
          std::vector<std::string>{"00000000000000", "20190226002946", "20200101000000"});
    CHECK(names(found.files) == std::vector<std::string>{"diesel_initial_setup", "create_user", "index"});
    CHECK(found.transactions[2].wrapped == false);
    CHECK(found.transactions[2].marker == "metadata.toml: run_in_transaction = false");
    CHECK(detect_layout(dir.path()).layout == Layout::Diesel);

    dir.write("2021-01-01-000000_empty/down.sql");
    CHECK(contains(usage_error([&] { discover(dir.path(), Layout::Diesel); }),
                   "2021-01-01-000000_empty: not a Diesel migration"));
}

TEST_CASE("sqlx: .sql and .up.sql, .down.sql ignored, -- no-transaction as the first bytes",
          "[source][layout]") {
    Folder dir;
    dir.write("20240101000000_create.up.sql", "CREATE TABLE t (id int);\n");
    dir.write("20240101000000_create.down.sql", "DROP TABLE t;\n");
    dir.write("20240102000000_index.sql", "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (id);\n");
    auto found = discover(dir.path(), Layout::Sqlx);
    CHECK(names(found.files) == std::vector<std::string>{"create", "index"});
    CHECK(found.transactions[0].wrapped);
    CHECK(found.transactions[1].wrapped == false);
    CHECK(detect_layout(dir.path()).layout == Layout::Sqlx);
}

TEST_CASE("prisma: <timestamp>_<name>/migration.sql, migration_lock.toml must say postgresql",
          "[source][layout]") {
    Folder dir;
    dir.write("migration_lock.toml", "provider = \"postgresql\"\n");
    dir.write("20230101000000_init/migration.sql", "CREATE TABLE t (id int);\n");
    dir.write("20230202000000_more/migration.sql", "ALTER TABLE t ADD COLUMN c int;\n");
    auto found = discover(dir.path(), Layout::Prisma);
    CHECK(versions(found.files) == std::vector<std::string>{"20230101000000", "20230202000000"});
    CHECK(names(found.files) == std::vector<std::string>{"init", "more"});
    CHECK(detect_layout(dir.path()).layout == Layout::Prisma);

    dir.write("migration_lock.toml", "provider = \"mysql\"\n");
    CHECK(contains(usage_error([&] { discover(dir.path(), Layout::Prisma); }),
                   "provider = \"mysql\": these are Prisma migrations for another database"));
}

TEST_CASE("node-pg-migrate: the Up Migration section; a Down without Up refused; JavaScript listed",
          "[source][layout]") {
    Folder dir;
    dir.write("1700000000000_init.sql",
              "-- Up Migration\nCREATE TABLE t (id int);\n\n-- Down Migration\nDROP TABLE t;\n");
    dir.write("1700000000001_seed.js", "exports.up = () => {};\n");
    auto found = discover(dir.path(), Layout::NodePgMigrate);
    REQUIRE(found.files.size() == 1);
    CHECK(found.files[0].text == "-- Up Migration\nCREATE TABLE t (id int);\n\n");
    REQUIRE(found.refused.size() == 1);
    CHECK(found.refused[0].path.filename() == "1700000000001_seed.js");
    CHECK(detect_layout(dir.path()).layout == Layout::NodePgMigrate);

    dir.write("1700000000002_bad.sql", "DROP TABLE t;\n-- Down Migration\nSELECT 1;\n");
    CHECK(contains(
        usage_error([&] { discover(dir.path(), Layout::NodePgMigrate); }),
        "1700000000002_bad.sql: node-pg-migrate: a '-- Down Migration' section and no '-- Up Migration'"));
}

TEST_CASE("auto: a folder with marks of two tools is an error that lists both", "[source][layout]") {
    Folder dir;
    dir.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n");
    dir.write("00002_b.sql", "-- migrate:up\nSELECT 2;\n");
    auto message = usage_error([&] { detect_layout(dir.path()); });
    CHECK(contains(message, "layout \"auto\" cannot tell whose folder this is"));
    CHECK(contains(message, "goose: files with a '-- +goose Up' line (00001_a.sql)"));
    CHECK(contains(message, "dbmate: files with a '-- migrate:up' line (00002_b.sql)"));
    CHECK(contains(message, "Set layout"));
}

TEST_CASE("read_layout_file reads one named file as its layout's tool does", "[source][layout]") {
    Folder dir;
    auto path = dir.write("00001_init.sql", k_goose);
    CHECK_FALSE(contains(read_layout_file(path, Layout::Goose).text, "DROP TABLE"));
    CHECK(read_layout_file(path, Layout::Pgsafe).text == k_goose);
    CHECK(read_layout_file(path, Layout::Auto).text == k_goose);
}
