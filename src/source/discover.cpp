// Finds the migrations of a directory for `migrate`, `plan` and `status`:
// every .sql file directly inside must be a named migration with a version
// of its own, else nothing runs (a typo in a name must not silently skip a
// migration). Each file is read here, once, with its checksum.

#include "paths.hpp"
#include "pgsafe/source/migration.hpp"

#include <algorithm>
#include <cctype>

namespace pgsafe::source {

namespace fs = std::filesystem;

namespace {

std::string bad_name_message(const fs::path& path) {
    return path.string() +
           ": file name fits no migration pattern (expected V<version>__<name>.sql, "
           "<digits>_<name>.sql or <digits>_<name>.up.sql)";
}

// "duplicate migration version 3: a and b", or "a, b and c".
std::string duplicate_message(const std::vector<detail::NamedPath>& group) {
    std::string files;
    for (std::size_t i = 0; i < group.size(); ++i) {
        if (i > 0) {
            files += i + 1 == group.size() ? " and " : ", ";
        }
        files += group[i].path.string();
    }
    return "duplicate migration version " + group.front().name.version + ": " + files;
}

std::vector<std::string> duplicate_messages(const std::vector<detail::NamedPath>& sorted) {
    std::vector<std::string> messages;
    for (auto first = sorted.begin(); first != sorted.end();) {
        auto last = std::find_if(first, sorted.end(), [&](const detail::NamedPath& m) {
            return !detail::same_version(*first, m);
        });
        if (last - first > 1) {
            messages.push_back(duplicate_message({first, last}));
        }
        first = last;
    }
    return messages;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += text.empty() ? line : "\n" + line;
    }
    return text;
}

// ".SQL", ".Sql": a migration by the look of it, which ".sql" alone would skip.
bool upper_sql(const std::string& file_name) {
    if (file_name.size() < 4) return false;
    std::string ext = file_name.substr(file_name.size() - 4);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".sql";
}

}  // namespace

std::vector<MigrationFile> discover_migrations(const fs::path& dir) {
    detail::require_exists(dir);
    if (!fs::is_directory(dir)) {
        detail::throw_path_error(dir, "not a directory");
    }

    std::vector<detail::NamedPath> migrations;
    std::vector<fs::path> bad_names;
    std::vector<std::string> not_files;
    try {
        for (const auto& entry : fs::directory_iterator(dir)) {
            auto file_name = entry.path().filename().string();
            if (!detail::ends_with(file_name, ".sql") && upper_sql(file_name)) {
                // Skipped, the migrations after it would run without it.
                not_files.push_back(entry.path().string() + ": ends in \"" +
                                    file_name.substr(file_name.size() - 4) +
                                    "\", not \".sql\": migration files end in lower-case .sql; rename it");
                continue;
            }
            if (!detail::ends_with(file_name, ".sql") || detail::ends_with(file_name, ".down.sql") ||
                detail::is_hidden(entry.path())) {
                continue;
            }
            // Skipping it would run the migrations after it without it.
            if (auto what = detail::not_a_regular_file(entry)) {
                not_files.push_back(detail::not_a_file_message(entry.path(), *what));
                continue;
            }
            if (auto name = parse_migration_name(file_name)) {
                migrations.push_back({std::move(*name), entry.path()});
            } else {
                bad_names.push_back(entry.path());
            }
        }
    } catch (const fs::filesystem_error& error) {
        detail::throw_path_error(error.path1().empty() ? dir : error.path1(), detail::describe(error.code()));
    }

    // Every problem at once, so a user fixes them in one go.
    std::sort(bad_names.begin(), bad_names.end(), detail::byte_less);
    std::sort(migrations.begin(), migrations.end(), detail::migration_less);
    std::sort(not_files.begin(), not_files.end());
    std::vector<std::string> problems = not_files;
    for (const auto& path : bad_names) {
        problems.push_back(bad_name_message(path));
    }
    for (auto& message : duplicate_messages(migrations)) {
        problems.push_back(std::move(message));
    }
    if (!problems.empty()) {
        throw Error(ErrorKind::Usage, join_lines(problems));
    }

    std::vector<MigrationFile> files;
    files.reserve(migrations.size());
    for (const auto& migration : migrations) files.push_back(read_migration(migration.path, migration.name));
    return files;
}

}  // namespace pgsafe::source
