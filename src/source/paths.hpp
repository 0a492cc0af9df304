#pragma once
// Path helpers shared by src/source/: errors worded for users
// ("path: no such file or directory") and the orders files are listed in.

#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace pgsafe::source::detail {

// "No such file or directory" -> "no such file or directory".
std::string describe(const std::error_code& error);

[[noreturn]] void throw_path_error(const std::filesystem::path& path, const std::string& reason);

// Throws "path: no such file or directory" (or the reason stat gave) unless path exists.
void require_exists(const std::filesystem::path& path);

bool ends_with(std::string_view text, std::string_view suffix);

// Dot files and directories (.git, editor backups) are never migrations.
bool is_hidden(const std::filesystem::path& path);

// For a directory entry that is not a file pgsafe can read as one (a
// broken symlink, a directory, a FIFO, a socket, a device), what it is:
// "is a broken symbolic link"; nullopt for a regular file or a symlink to one.
std::optional<std::string> not_a_regular_file(const std::filesystem::directory_entry& entry);

// "path: is a directory, but its name is a migration's (…)": the error for such an entry.
std::string not_a_file_message(const std::filesystem::path& path, const std::string& what);

// Byte order of the paths as strings, as `LC_ALL=C sort` orders them.
bool byte_less(const std::filesystem::path& a, const std::filesystem::path& b);

// Apply order: by version, then by path so that the order is total.
struct NamedPath {
    MigrationName name;
    std::filesystem::path path;
};
bool migration_less(const NamedPath& a, const NamedPath& b);
bool same_version(const NamedPath& a, const NamedPath& b);

}  // namespace pgsafe::source::detail
