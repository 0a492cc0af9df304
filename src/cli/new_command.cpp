// `pgsafe new NAME [DIR]`: creates the next migration file in DIR (default:
// the configured migrations folder) in the layout the folder already uses,
// and prints its path. The naming is pure (source/next_migration); here are
// the I/O edges: the folder listing, the clock, and a create that never
// overwrites.

#include "commands.hpp"
#include "config_flags.hpp"
#include "folder_layout.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/exit_codes.hpp"
#include "pgsafe/source/layout.hpp"
#include "pgsafe/source/next_migration.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace pgsafe::cli {
namespace {

namespace fs = std::filesystem;

struct NewFlags {
    std::string name;
    std::string dir;
};

[[noreturn]] void throw_io(const fs::path& path, const std::string& reason) {
    throw Error(ErrorKind::Usage, fmt::format("{}: {}", display_path(path), reason));
}

// DIR as given, else "migrations" from pgsafe.toml (relative to the file), else ./migrations.
fs::path target_dir(const NewFlags& flags, const GlobalOptions& global) {
    if (!flags.dir.empty()) return flags.dir;
    LoadedSettings loaded = load_settings(global);
    return loaded.base_dir / loaded.settings.project.migrations;
}

// The file names in dir, which is created when missing (like dbmate and golang-migrate do).
std::vector<std::string> list_or_create(const fs::path& dir) {
    std::error_code error;
    if (!fs::exists(dir, error)) {
        if (!fs::create_directories(dir, error) && error) throw_io(dir, error.message());
        return {};
    }
    if (!fs::is_directory(dir, error)) throw_io(dir, "not a directory");
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir, error))
        names.push_back(entry.path().filename().string());
    if (error) throw_io(dir, error.message());
    return names;
}

// "wx": the create fails when the file exists, so a race with another writer cannot overwrite it either.
void create_exclusive(const fs::path& path, const std::string& content) {
    std::FILE* file = std::fopen(path.c_str(), "wx");
    if (file == nullptr) {
        int err = errno;
        throw_io(path, err == EEXIST ? std::string("already exists; pgsafe new never overwrites a file")
                                     : std::strerror(err));
    }
    bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
    if (std::fclose(file) != 0 || !written) throw_io(path, std::strerror(errno));
}

// pgsafe new writes plain numbered files; a folder whose tool needs sections,
// directories or a plan entry gets its tool's command instead of a file it would not read.
void refuse_other_layouts(const fs::path& dir, const GlobalOptions& global) {
    source::Layout layout = folder_layout(dir, load_settings(global));
    std::string how = source::new_migration_command(layout);
    if (how.empty()) return;
    throw Error(
        ErrorKind::Usage,
        fmt::format("{}: a {} folder: pgsafe new writes plain numbered .sql files, which {} does not "
                    "read as a migration; create it with `{}` (pgsafe then lints, plans and runs it)",
                    display_path(dir), source::layout_name(layout), source::layout_name(layout), how));
}

}  // namespace

void add_new_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto flags = std::make_shared<NewFlags>();
    CLI::App* cmd = app.add_subcommand("new", "Create the next migration file and print its path");
    cmd->add_option("name", flags->name, "What the migration does, as a slug: add_users_email")->required();
    cmd->add_option("dir", flags->dir, "Migrations folder (default: \"migrations\" from pgsafe.toml)");
    cmd->footer(
        "The file follows the folder's layout (V<version>__<name>.sql, <digits>_<name>.sql or "
        "<digits>_<name>.up.sql) with the version after the highest one, or the current UTC time "
        "(YYYYMMDDHHMMSS) when the folder's versions are timestamps. An empty folder starts at "
        "V1__<name>.sql.");
    cmd->callback([flags, &global, &code] {
        source::require_migration_slug(flags->name);  // a bad name changes nothing on disk
        fs::path dir = target_dir(*flags, global);
        refuse_other_layouts(dir, global);            // a goose or Diesel folder needs its tool's file shape
        auto now = std::chrono::system_clock::now();  // the clock stays at this edge
        source::NewMigration migration = source::next_migration(list_or_create(dir), flags->name, now);
        fs::path path = dir / migration.file_name;
        create_exclusive(path, source::new_migration_header(migration, now));
        std::string shown = display_path(path);
        std::fwrite(shown.data(), 1, shown.size(), stdout);
        std::fputc('\n', stdout);
        code = exit_code(ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli
