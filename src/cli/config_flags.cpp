// Settings for a command: the file named by --config/PGSAFE_CONFIG or found
// by walking up, read from disk, and the process environment, passed with
// the flags to the pure config::resolve.

#include "config_flags.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/source/config_file.hpp"
#include "pgsafe/source/layout.hpp"
#include "pgsafe/source/migration.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <system_error>

namespace pgsafe::cli {

namespace fs = std::filesystem;

std::optional<std::string> env_var(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

std::string display_path(const fs::path& path) {
    std::error_code error;
    fs::path cwd = fs::current_path(error);
    if (error || path.is_relative()) return path.string();
    fs::path relative = path.lexically_normal().lexically_relative(cwd);
    if (relative.empty() || *relative.begin() == "..") return path.string();
    return relative.string();
}

LoadedSettings load_settings(const GlobalOptions& global, config::Overrides flags) {
    LoadedSettings loaded;
    config::Layers layers;
    std::optional<fs::path> path;
    if (!global.config.empty()) {
        path = fs::path(global.config);
    } else {
        std::error_code error;
        fs::path cwd = fs::current_path(error);
        if (!error) path = source::find_config_file(cwd);
    }
    if (path) {
        std::string shown = display_path(*path);
        spdlog::debug("configuration from {}", shown);
        layers.file = config::ConfigText{source::read_file(*path), shown};
        loaded.base_dir = fs::absolute(*path).parent_path();
        loaded.from_file = true;
    } else {
        spdlog::debug("no {} found: using the defaults", source::k_config_file_name);
        std::error_code error;
        loaded.base_dir = fs::current_path(error);
    }
    layers.env = env_var;
    if (!global.environment.empty()) flags.environment = global.environment;
    layers.flags = std::move(flags);
    loaded.settings = config::resolve(layers);
    spdlog::debug("environment {}", loaded.settings.project.environment);
    return loaded;
}

fs::path migrations_dir(const LoadedSettings& loaded) {
    return loaded.base_dir / loaded.settings.project.migrations;
}

source::Layout configured_layout(const LoadedSettings& loaded) {
    // The key table admits only layout names.
    return source::layout_from_name(loaded.settings.project.layout).value_or(source::Layout::Auto);
}

void log_layout(const std::string& dir, const source::Discovery& found, source::Layout configured) {
    if (configured == source::Layout::Auto)
        spdlog::debug("{}: layout {} (auto: {})", dir, source::layout_name(found.layout), found.reason);
    else
        spdlog::debug("{}: layout {} (pgsafe.toml)", dir, source::layout_name(found.layout));
    for (std::size_t i = 0; i < found.files.size(); ++i) {
        const auto& file = found.files[i];
        const auto& tool = found.transactions[i];
        if (!tool.wrapped)
            spdlog::debug(
                "{}: {} runs it outside a transaction ({}); pgsafe runs its statements as steps of their "
                "own, as for every file",
                display_path(file.path), source::layout_name(found.layout), tool.marker);
    }
}

source::Layout file_layout(const fs::path& file, const LoadedSettings& loaded) {
    source::Layout layout = configured_layout(loaded);
    if (layout != source::Layout::Auto) return layout;
    fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    try {
        source::DetectedLayout detected = source::detect_layout(dir);
        spdlog::debug("{}: layout {} (auto, from its folder: {})", file.string(),
                      source::layout_name(detected.layout), detected.reason);
        return detected.layout;
    } catch (const Error& e) {
        spdlog::debug("{}: read whole, as pgsafe's own layout ({})", file.string(), e.what());
        return source::Layout::Pgsafe;
    }
}

std::vector<source::MigrationFile> layout_migrations(const fs::path& dir, const LoadedSettings& loaded) {
    source::Layout layout = configured_layout(loaded);
    source::Discovery found = source::discover(dir, layout);
    log_layout(dir.string(), found, layout);
    if (!found.refused.empty())
        return source::discover_migrations(dir, found.layout);  // throws, listing them
    return std::move(found.files);
}

std::vector<source::MigrationFile> named_migrations(std::vector<std::string> paths,
                                                    const LoadedSettings& loaded) {
    if (paths.empty()) paths.push_back(migrations_dir(loaded).string());
    std::vector<source::MigrationFile> out;
    for (const auto& path : paths) {
        std::error_code error;
        if (fs::is_directory(path, error)) {
            for (auto& m : layout_migrations(path, loaded)) out.push_back(std::move(m));
        } else if (fs::exists(path, error)) {
            out.push_back(source::read_layout_file(path, file_layout(path, loaded)));
        } else {
            throw Error(ErrorKind::Usage, fmt::format("{}: no such file or directory", display_path(path)));
        }
    }
    return out;
}

}  // namespace pgsafe::cli
