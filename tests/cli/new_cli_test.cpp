// `pgsafe new NAME [DIR]` as a user runs it: the file it creates, the path it
// prints, the folder's layout kept, the configured folder by default, and
// the names it refuses without touching the disk.

#include "process.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using pgsafe::test::run_pgsafe;
using pgsafe::test::run_pgsafe_in;
using pgsafe::test::TempDir;

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
    return names;
}

}  // namespace

TEST_CASE("new in an empty folder creates V1__NAME.sql with a header and prints its path") {
    TempDir dir;
    auto r = run_pgsafe({"new", "add_users", dir.path()});
    CHECK(r.exit_code == 0);
    fs::path created = fs::path(dir.path()) / "V1__add_users.sql";
    CHECK(r.out == created.string() + "\n");
    REQUIRE(fs::exists(created));
    std::string text = slurp(created);
    CHECK(text.rfind("-- Migration 1: add_users\n-- Created ", 0) == 0);
    // The new file is a migration pgsafe accepts as it is.
    CHECK(run_pgsafe({"lint", dir.path()}).exit_code == 0);
}

TEST_CASE("new follows the folder's numbered layout and padding") {
    TempDir dir;
    dir.write("0001_create.up.sql", "CREATE TABLE t (id int);\n");
    dir.write("0001_create.down.sql", "DROP TABLE t;\n");
    dir.write("0002_more.up.sql", "SELECT 1;\n");
    auto r = run_pgsafe({"new", "add-index", dir.path()});
    CHECK(r.exit_code == 0);
    CHECK(r.out == (fs::path(dir.path()) / "0003_add-index.up.sql").string() + "\n");
}

TEST_CASE("new twice never reuses a file: each call gets the next version") {
    TempDir dir;
    dir.write("V9__a.sql", "SELECT 1;\n");
    CHECK(run_pgsafe({"new", "same", dir.path()}).exit_code == 0);
    CHECK(run_pgsafe({"new", "same", dir.path()}).exit_code == 0);
    CHECK(names_in(dir.path()) == std::set<std::string>{"V9__a.sql", "V10__same.sql", "V11__same.sql"});
}

TEST_CASE("new in a timestamped folder names the file by the current UTC time") {
    TempDir dir;
    dir.write("20240101120000_create.sql", "SELECT 1;\n");
    auto r = run_pgsafe({"new", "later", dir.path()});
    CHECK(r.exit_code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, std::regex(R"(/(\d{14})_later\.sql\n$)")));
    CHECK(m[1].str() > "20240101120000");
    CHECK(m[1].str().substr(0, 2) == "20");
}

TEST_CASE("new without DIR uses the migrations folder from pgsafe.toml, creating it") {
    TempDir project;
    project.write("pgsafe.toml", "migrations = \"db/migrations\"\n");
    fs::create_directories(fs::path(project.path()) / "sub");
    auto r = run_pgsafe_in((fs::path(project.path()) / "sub").string(), {"new", "first"});
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(fs::path(project.path()) / "db" / "migrations" / "V1__first.sql"));
    CHECK(r.out.find("V1__first.sql\n") != std::string::npos);
}

TEST_CASE("new refuses a name that is not a slug, exit 2, and creates nothing") {
    TempDir dir;
    for (const char* bad : {"add users", "../escape", "a.b", "add__users", "1st", ""}) {
        auto r = run_pgsafe({"new", bad, dir.path()});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("migration name \"" + std::string(bad) + "\"") != std::string::npos);
        CHECK(r.out.empty());
    }
    CHECK(fs::is_empty(dir.path()));
    CHECK(run_pgsafe({"new"}).exit_code == 2);  // NAME is required
}

TEST_CASE("new into a path that is a file is a usage error naming it") {
    TempDir dir;
    std::string file = dir.write("not_a_dir", "x");
    auto r = run_pgsafe({"new", "x", file});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("not_a_dir: not a directory") != std::string::npos);
}
