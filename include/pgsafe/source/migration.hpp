#pragma once
// Finding migration files, ordering them, and their SHA-256 checksums.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::source {

struct MigrationName {
    std::string version;  // as written: "1.2", "20240101120000", "0003"
    std::string name;     // description part: "add_fk"
};

struct MigrationFile {
    std::string version;
    std::string name;
    std::filesystem::path path;
    std::string checksum;  // "sha256:<64 hex>" of the file's bytes
};

// V<version>__<name>.sql, <digits>_<name>.sql, <digits>_<name>.up.sql.
// Returns nullopt for names that fit no pattern and for .down.sql files.
std::optional<MigrationName> parse_migration_name(std::string_view file_name);

// True when a's version sorts before b's: numeric per dot/underscore-separated part.
bool version_less(std::string_view a, std::string_view b);

// The migrations directly inside dir, in apply order. Throws pgsafe::Error
// (Usage) naming the files for duplicate versions and for .sql files that
// fit no pattern; .down.sql files are skipped.
std::vector<MigrationFile> discover_migrations(const std::filesystem::path& dir);

// The .sql files to lint for the paths given on the command line: files as
// given, directories walked recursively in byte order of their paths (migration
// order when every file directly in it is a named migration). Throws
// pgsafe::Error (Usage) naming a path that does not exist.
std::vector<std::filesystem::path> collect_sql_files(const std::vector<std::string>& paths);

// Whole file as bytes; throws pgsafe::Error (Usage) "path: reason" on failure.
std::string read_file(const std::filesystem::path& path);

// "sha256:<64 lower-case hex>"
std::string sha256_checksum(std::string_view bytes);

}  // namespace pgsafe::source
