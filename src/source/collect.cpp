// The files `lint` reads: files named on the command line as given, and
// every .sql file under a named directory, in the order they would apply
// (byte order of paths, as migration tools and `LC_ALL=C sort` list them;
// migration order for a flat directory of named migrations, so V2 < V10).

#include "paths.hpp"
#include "pgsafe/source/migration.hpp"

#include <algorithm>

namespace pgsafe::source {

namespace fs = std::filesystem;

namespace {

struct Listing {
    std::vector<fs::path> files;
    std::vector<std::string> not_files;  // .sql names that are not regular files
    bool nested = false;                 // some file is in a subdirectory
};

bool is_sql_file(const fs::directory_entry& entry) {
    return detail::ends_with(entry.path().filename().string(), ".sql") && entry.is_regular_file();
}

// Every .sql file under dir (hidden files and directories left out), in byte order.
Listing walk_sql_files(const fs::path& dir) {
    Listing listing;
    try {
        for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
             ++it) {
            if (detail::is_hidden(it->path())) {
                if (it->is_directory()) {
                    it.disable_recursion_pending();
                }
                continue;
            }
            std::string file_name = it->path().filename().string();
            // A directory is walked into (some tools keep a migration per
            // directory); anything else that is not a file would be skipped.
            if (detail::ends_with(file_name, ".sql") && parse_migration_name(file_name) &&
                !it->is_directory()) {
                if (auto what = detail::not_a_regular_file(*it)) {
                    listing.not_files.push_back(detail::not_a_file_message(it->path(), *what));
                    continue;
                }
            }
            if (is_sql_file(*it)) {
                listing.nested = listing.nested || it.depth() > 0;
                listing.files.push_back(it->path());
            }
        }
    } catch (const fs::filesystem_error& error) {
        detail::throw_path_error(error.path1().empty() ? dir : error.path1(), detail::describe(error.code()));
    }
    std::sort(listing.files.begin(), listing.files.end(), detail::byte_less);
    return listing;
}

// Reorders a flat listing into apply order when every file is a named
// migration; leaves it in byte order otherwise.
void apply_migration_order(std::vector<fs::path>& files) {
    std::vector<detail::NamedPath> named;
    named.reserve(files.size());
    for (const auto& path : files) {
        auto name = parse_migration_name(path.filename().string());
        if (!name) {
            return;
        }
        named.push_back({std::move(*name), path});
    }
    std::sort(named.begin(), named.end(), detail::migration_less);
    for (std::size_t i = 0; i < named.size(); ++i) {
        files[i] = std::move(named[i].path);
    }
}

}  // namespace

std::vector<fs::path> collect_sql_files(const std::vector<std::string>& paths) {
    std::vector<fs::path> result;
    for (const auto& given : paths) {
        fs::path path(given);
        detail::require_exists(path);
        if (!fs::is_directory(path)) {
            result.push_back(path);  // a file named on the command line is linted whatever its name
            continue;
        }
        auto listing = walk_sql_files(path);
        if (!listing.not_files.empty()) {
            std::sort(listing.not_files.begin(), listing.not_files.end());
            std::string text;
            for (const auto& line : listing.not_files) text += (text.empty() ? "" : "\n") + line;
            throw Error(ErrorKind::Usage, text);
        }
        if (!listing.nested) {
            apply_migration_order(listing.files);
        }
        result.insert(result.end(), listing.files.begin(), listing.files.end());
    }
    return result;
}

}  // namespace pgsafe::source
