#pragma once
// The I/O half of the resolved-settings step (config/resolve.hpp): find and
// read pgsafe.toml, look up environment variables, and hand both with the
// command's flags to config::resolve. Every command that reads settings
// calls load_settings(), and nothing else assembles configuration.

#include "commands.hpp"

#include "pgsafe/config/resolve.hpp"
#include "pgsafe/config/settings.hpp"
#include "pgsafe/source/layout.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::cli {

struct LoadedSettings {
    config::Settings settings;
    std::filesystem::path base_dir;  // relative paths in the file are relative to this
    bool from_file = false;
};

// defaults < pgsafe.toml (--config or PGSAFE_CONFIG through the global flag,
// else the nearest one upwards) < PGSAFE_* < flags (--env from `global`, the
// rest from `flags`). Throws pgsafe::Error (Usage) for a missing or invalid
// file and for bad values of a variable or flag.
LoadedSettings load_settings(const GlobalOptions& global, config::Overrides flags = {});

// The migrations directory the settings name, relative to the file's directory.
std::filesystem::path migrations_dir(const LoadedSettings& loaded);

// The layout pgsafe.toml's `layout` names (Auto when it names none).
source::Layout configured_layout(const LoadedSettings& loaded);

// The migrations of dir as the configured layout reads them, in apply
// order; -v says which layout that was and, for auto, why. Throws as
// source::discover_migrations (a refused file stops everything).
std::vector<source::MigrationFile> layout_migrations(const std::filesystem::path& dir,
                                                     const LoadedSettings& loaded);

// The migrations named on the command line, in apply order: a directory's
// (as layout_migrations reads it) or a file as given; with none named, the
// configured migrations directory's. A path that does not exist is a usage error.
std::vector<source::MigrationFile> named_migrations(std::vector<std::string> paths,
                                                    const LoadedSettings& loaded);

// The layout a file named on the command line is read in: the configured
// one, else (auto) the one its folder is in; pgsafe's own when the folder's
// is unclear, so a single file is then read whole.
source::Layout file_layout(const std::filesystem::path& file, const LoadedSettings& loaded);

// -v: "<dir>: layout goose (auto: files with a '-- +goose Up' line (…))".
void log_layout(const std::string& dir, const source::Discovery& found, source::Layout configured);

// The value of an environment variable, nullopt when unset or empty.
std::optional<std::string> env_var(const std::string& name);

// A path for messages and reports: relative to the working directory when it
// is inside it, as given otherwise.
std::string display_path(const std::filesystem::path& path);

}  // namespace pgsafe::cli
