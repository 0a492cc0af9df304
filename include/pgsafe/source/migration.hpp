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

// A migration read once: the text that is hashed is the text that is
// linted, planned and run, so an approval of a checksum is an approval of
// exactly what runs.
struct MigrationFile {
    std::string version;
    std::string name;
    std::filesystem::path path;
    // "sha256:<64 hex>" of `text`; for a file with sections (goose, dbmate,
    // node-pg-migrate) of its Up section alone, without the line breaks that
    // stand in `text` for the lines above it (docs/adopt.md, "Checksums").
    std::string checksum;
    // canonical_text() of the file's bytes; for a file with sections its Up
    // section, after one line break per line of the file above it, so that
    // lines and columns are the file's own.
    std::string text;
    // The checksum of the bytes on disk, as earlier pgsafe versions computed it, when
    // it differs from `checksum` (a BOM or CRLF line ends); "" otherwise. An
    // applied migration recorded with it is not drift.
    std::string bytes_checksum;

    // True when `recorded` (a tracked checksum) is this file's.
    bool has_checksum(const std::string& recorded) const {
        return recorded == checksum || (!bytes_checksum.empty() && recorded == bytes_checksum);
    }
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

// A migration's text as pgsafe hashes, lints, plans and runs it: a leading
// UTF-8 byte order mark removed and every CRLF turned into LF, so a checkout
// with other line endings has the same checksum. Lines and columns are
// unchanged (a CR before LF is not a column).
std::string canonical_text(std::string bytes);

// The file read once: canonical text and its checksum. `name` may be empty
// (a file given to `plan` by path whatever its name). Throws as read_file.
MigrationFile read_migration(const std::filesystem::path& path, const MigrationName& name);

// canonical_text(read_file(path)), for files read without a checksum (lint).
std::string read_sql_file(const std::filesystem::path& path);

// "sha256:<64 lower-case hex>"
std::string sha256_checksum(std::string_view bytes);

}  // namespace pgsafe::source
