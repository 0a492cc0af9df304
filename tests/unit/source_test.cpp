// Migration discovery, ordering and checksums: what `migrate` would apply,
// in which order, and the errors a user sees for badly named files.

#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

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

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        m_path = fs::temp_directory_path() /
                 ("pgsafe_source_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

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

// Runs a test body from inside a directory, so messages show relative paths
// the way a user typing `pgsafe migrate migrations/` sees them.
class WorkingDirectory {
public:
    explicit WorkingDirectory(const fs::path& dir) : m_previous(fs::current_path()) { fs::current_path(dir); }
    ~WorkingDirectory() { fs::current_path(m_previous); }
    WorkingDirectory(const WorkingDirectory&) = delete;
    WorkingDirectory& operator=(const WorkingDirectory&) = delete;

private:
    fs::path m_previous;
};

std::vector<std::string> file_names(const std::vector<MigrationFile>& files) {
    std::vector<std::string> names;
    for (const auto& file : files) {
        names.push_back(file.path.filename().string());
    }
    return names;
}

std::vector<std::string> relative(const std::vector<fs::path>& files, const fs::path& base) {
    std::vector<std::string> names;
    for (const auto& file : files) {
        names.push_back(file.lexically_relative(base).generic_string());
    }
    return names;
}

// The message of the pgsafe::Error (Usage) that body throws.
template <typename Body>
std::string usage_error(Body body) {
    try {
        body();
    } catch (const pgsafe::Error& error) {
        CHECK(error.kind() == pgsafe::ErrorKind::Usage);
        return error.what();
    }
    FAIL("no pgsafe::Error thrown");
    return {};
}

}  // namespace

TEST_CASE("migration file names: Flyway, numbered and .up.sql", "[source]") {
    auto flyway = parse_migration_name("V1.2.10__add_fk.sql");
    REQUIRE(flyway);
    CHECK(flyway->version == "1.2.10");
    CHECK(flyway->name == "add_fk");

    auto underscored = parse_migration_name("V1_1__split.sql");
    REQUIRE(underscored);
    CHECK(underscored->version == "1_1");
    CHECK(underscored->name == "split");

    auto timestamp = parse_migration_name("20240101120000_create_users.sql");
    REQUIRE(timestamp);
    CHECK(timestamp->version == "20240101120000");
    CHECK(timestamp->name == "create_users");

    auto up = parse_migration_name("0003_add_index.up.sql");
    REQUIRE(up);
    CHECK(up->version == "0003");
    CHECK(up->name == "add_index");
}

TEST_CASE("names that are not migrations, and .down.sql, are rejected", "[source]") {
    for (const char* name :
         {"0003_add_index.down.sql", "V3__x.down.sql", "foo.sql", "V__x.sql", "V1__.sql", "V1.__x.sql",
          "V1..2__x.sql", "1_.sql", "_x.sql", "v1__x.sql", "1_x.txt", "V1_x.sql"}) {
        INFO(name);
        CHECK_FALSE(parse_migration_name(name));
    }
}

TEST_CASE("versions order numerically per part", "[source]") {
    CHECK(version_less("2", "10"));
    CHECK_FALSE(version_less("10", "2"));
    CHECK(version_less("1.2.9", "1.2.10"));
    CHECK_FALSE(version_less("1.2.10", "1.2.9"));
    CHECK(version_less("1_9", "1.10"));
    CHECK(version_less("20231231235959", "20240101000000"));
    CHECK(version_less("0002", "10"));
    // Longer than any integer type: compared as digit strings.
    CHECK(version_less("99999999999999999999", "100000000000000000000"));
    CHECK(version_less("123456789012345678901234567890", "123456789012345678901234567891"));
    // Same version written differently: neither sorts first.
    CHECK_FALSE(version_less("0003", "3"));
    CHECK_FALSE(version_less("3", "0003"));
    CHECK_FALSE(version_less("1.2", "1.2.0"));
    CHECK(version_less("1.2", "1.2.1"));
}

TEST_CASE("discover_migrations returns apply order, skips .down.sql and other files", "[source]") {
    TempDir dir;
    dir.write("V10__ten.sql");
    dir.write("V2__two.sql");
    dir.write("V1__init.sql");
    dir.write("V1.1__patch.sql");
    dir.write("V2__two.down.sql");
    dir.write("README.md");
    dir.write("sub/V3__nested.sql");

    auto files = discover_migrations(dir.path());
    CHECK(file_names(files) ==
          std::vector<std::string>{"V1__init.sql", "V1.1__patch.sql", "V2__two.sql", "V10__ten.sql"});
    CHECK(files[3].version == "10");
    CHECK(files[3].name == "ten");
}

TEST_CASE("discover_migrations orders timestamps and .up.sql files", "[source]") {
    TempDir dir;
    dir.write("20240101120000_add_orders.up.sql");
    dir.write("20240101120000_add_orders.down.sql");
    dir.write("20231231235959_create_users.sql");
    dir.write("20240215090000_add_index.sql");

    auto files = discover_migrations(dir.path());
    CHECK(file_names(files) == std::vector<std::string>{"20231231235959_create_users.sql",
                                                        "20240101120000_add_orders.up.sql",
                                                        "20240215090000_add_index.sql"});
}

TEST_CASE("discover_migrations reads each file once: its text and the checksum of that text", "[source]") {
    TempDir dir;
    dir.write("V1__abc.sql", "abc");
    auto files = discover_migrations(dir.path());
    REQUIRE(files.size() == 1);
    CHECK(files[0].text == "abc");
    CHECK(files[0].checksum == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(files[0].bytes_checksum.empty());
}

TEST_CASE("the checksum is canonical: a UTF-8 BOM and CRLF line ends do not change it", "[source]") {
    TempDir dir;
    const std::string lf = "CREATE TABLE t (id int);\n-- it's\nSELECT 'a\rb';\n";
    dir.write("V1__lf.sql", lf);
    dir.write("V2__crlf.sql", "CREATE TABLE t (id int);\r\n-- it's\r\nSELECT 'a\rb';\r\n");
    dir.write("V3__bom.sql", "\xEF\xBB\xBF" + lf);
    dir.write("V4__both.sql",
              "\xEF\xBB\xBF"
              "CREATE TABLE t (id int);\r\n-- it's\r\nSELECT 'a\rb';\r\n");
    auto files = discover_migrations(dir.path());
    REQUIRE(files.size() == 4);
    for (const auto& f : files) {
        INFO(f.path);
        CHECK(f.text == lf);  // what is planned and run: a lone CR stays
        CHECK(f.checksum == sha256_checksum(lf));
        CHECK(f.has_checksum(f.checksum));
    }
    CHECK(files[0].bytes_checksum.empty());
    // The on-disk bytes' checksum, which pgsafe recorded before, is kept for the ones that changed.
    CHECK(files[1].bytes_checksum == sha256_checksum(read_file(files[1].path)));
    CHECK(files[1].has_checksum(files[1].bytes_checksum));
    CHECK_FALSE(files[0].has_checksum(files[1].bytes_checksum));
}

TEST_CASE("canonical_text strips only a leading BOM and only CR before LF", "[source]") {
    CHECK(canonical_text("\xEF\xBB\xBF"
                         "SELECT 1;") == "SELECT 1;");
    CHECK(canonical_text("SELECT '\xEF\xBB\xBF';") == "SELECT '\xEF\xBB\xBF';");
    CHECK(canonical_text("a\r\nb\rc\r\r\n") == "a\nb\rc\r\n");
    CHECK(canonical_text("") == "");
    CHECK(canonical_text("\r") == "\r");
}

TEST_CASE("duplicate versions are an error naming both files", "[source]") {
    TempDir dir;
    dir.write("migrations/V3__b.sql");
    dir.write("migrations/V3__a.sql");
    dir.write("migrations/V1__init.sql");
    WorkingDirectory cwd(dir.path());

    CHECK(usage_error([] { discover_migrations("migrations"); }) ==
          "duplicate migration version 3: migrations/V3__a.sql and migrations/V3__b.sql");
}

TEST_CASE("versions equal as numbers are duplicates too", "[source]") {
    TempDir dir;
    dir.write("migrations/0003_a.sql");
    dir.write("migrations/3_b.up.sql");
    WorkingDirectory cwd(dir.path());

    CHECK(usage_error([] { discover_migrations("migrations"); }) ==
          "duplicate migration version 0003: migrations/0003_a.sql and migrations/3_b.up.sql");
}

TEST_CASE("a .sql file that fits no pattern is an error naming it", "[source]") {
    TempDir dir;
    dir.write("migrations/V1__init.sql");
    dir.write("migrations/foo.sql");
    WorkingDirectory cwd(dir.path());

    CHECK(usage_error([] { discover_migrations("migrations"); }) ==
          "migrations/foo.sql: file name fits no migration pattern (expected V<version>__<name>.sql, "
          "<digits>_<name>.sql or <digits>_<name>.up.sql)");
}

TEST_CASE("a migration ending in .SQL is an error, not skipped", "[source]") {
    TempDir dir;
    dir.write("migrations/V1__init.sql");
    dir.write("migrations/V7__x.SQL");
    WorkingDirectory cwd(dir.path());

    CHECK(usage_error([] { discover_migrations("migrations"); }) ==
          "migrations/V7__x.SQL: ends in \".SQL\", not \".sql\": migration files end in lower-case .sql; "
          "rename it");
}

TEST_CASE("every naming problem is reported at once", "[source]") {
    TempDir dir;
    dir.write("migrations/foo.sql");
    dir.write("migrations/bar.sql");
    dir.write("migrations/V2__a.sql");
    dir.write("migrations/V2__b.sql");
    WorkingDirectory cwd(dir.path());

    auto message = usage_error([] { discover_migrations("migrations"); });
    CHECK_THAT(message, Catch::StartsWith("migrations/bar.sql: file name fits no migration pattern"));
    CHECK_THAT(message, Catch::Contains("\nmigrations/foo.sql: file name fits no migration pattern"));
    CHECK_THAT(
        message,
        Catch::EndsWith("\nduplicate migration version 2: migrations/V2__a.sql and migrations/V2__b.sql"));
}

TEST_CASE("a missing path is an error naming it", "[source]") {
    TempDir dir;
    WorkingDirectory cwd(dir.path());

    CHECK(usage_error([] { discover_migrations("no_such_dir"); }) ==
          "no_such_dir: no such file or directory");
    CHECK(usage_error([] { collect_sql_files({"no_such_dir"}); }) ==
          "no_such_dir: no such file or directory");
    CHECK(usage_error([] { read_file("no_such_dir/V1__x.sql"); }) ==
          "no_such_dir/V1__x.sql: no such file or directory");
}

TEST_CASE("discover_migrations on a file is an error", "[source]") {
    TempDir dir;
    dir.write("V1__init.sql");
    WorkingDirectory cwd(dir.path());

    CHECK(usage_error([] { discover_migrations("V1__init.sql"); }) == "V1__init.sql: not a directory");
}

TEST_CASE("sha256_checksum of known bytes", "[source]") {
    CHECK(sha256_checksum("abc") ==
          "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_checksum("") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("read_file returns the exact bytes", "[source]") {
    TempDir dir;
    static const char k_raw[] = "SELECT 1;\r\n\0-- after a NUL\n\xff";
    std::string bytes(k_raw, sizeof k_raw - 1);
    auto file = dir.write("x.sql", bytes);
    CHECK(read_file(file) == bytes);
    CHECK(usage_error([&] { read_file(dir.path()); }) == dir.path().string() + ": is a directory");
}

TEST_CASE("collect_sql_files walks nested directories in byte order of paths", "[source]") {
    TempDir dir;
    // Diesel-style layout: the directory names carry the order, every file is up.sql.
    dir.write("project/up/2019-02-26-002946_create_user/up.sql");
    dir.write("project/up/00000000000000_diesel_initial_setup/up.sql");
    dir.write("project/up/2019-02-26-002946_create_user-fix/up.sql");
    dir.write("project/up/20190227_b/migration.sql");
    dir.write("project/up/20190227_b/down.sql");
    dir.write("project/up/20190227_b/notes.txt");
    dir.write("project/up/.git/hooks.sql");

    auto files = collect_sql_files({(dir.path() / "project").string()});
    CHECK(relative(files, dir.path() / "project") == std::vector<std::string>{
                                                         "up/00000000000000_diesel_initial_setup/up.sql",
                                                         "up/2019-02-26-002946_create_user-fix/up.sql",
                                                         "up/2019-02-26-002946_create_user/up.sql",
                                                         "up/20190227_b/down.sql",
                                                         "up/20190227_b/migration.sql",
                                                     });
}

TEST_CASE("collect_sql_files uses migration order for a flat directory of migrations", "[source]") {
    TempDir dir;
    dir.write("V10__ten.sql");
    dir.write("V2__two.sql");
    dir.write("V1__one.sql");

    auto files = collect_sql_files({dir.path().string()});
    CHECK(relative(files, dir.path()) ==
          std::vector<std::string>{"V1__one.sql", "V2__two.sql", "V10__ten.sql"});
}

TEST_CASE("collect_sql_files keeps byte order when some file is not a migration", "[source]") {
    TempDir dir;
    dir.write("V10__ten.sql");
    dir.write("V2__two.sql");
    dir.write("V2__two.down.sql");
    dir.write("seed.sql");

    auto files = collect_sql_files({dir.path().string()});
    CHECK(relative(files, dir.path()) ==
          std::vector<std::string>{"V10__ten.sql", "V2__two.down.sql", "V2__two.sql", "seed.sql"});
}

TEST_CASE("collect_sql_files takes a named file as given, whatever its name", "[source]") {
    TempDir dir;
    auto notes = dir.write("notes.txt");
    auto migration = dir.write("V1__one.sql");

    auto files = collect_sql_files({notes.string(), migration.string()});
    CHECK(files == std::vector<fs::path>{notes, migration});
}
