// Loading pgsafe.toml for a command: the file named by --config/PGSAFE_CONFIG
// or found by walking up, read and validated; and the small helpers that
// resolve the other layers (environment variables, list flags).

#include "config_flags.hpp"

#include "pgsafe/source/config_file.hpp"
#include "pgsafe/source/migration.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <system_error>

namespace pgsafe::cli {

namespace fs = std::filesystem;

std::optional<std::string> env_var(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& value : values) {
        size_t start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            std::string item = value.substr(start, comma - start);
            while (!item.empty() && item.front() == ' ') item.erase(item.begin());
            while (!item.empty() && item.back() == ' ') item.pop_back();
            if (!item.empty()) out.push_back(item);
            start = comma + 1;
        }
    }
    return out;
}

std::string display_path(const fs::path& path) {
    std::error_code error;
    fs::path cwd = fs::current_path(error);
    if (error || path.is_relative()) return path.string();
    fs::path relative = path.lexically_normal().lexically_relative(cwd);
    if (relative.empty() || *relative.begin() == "..") return path.string();
    return relative.string();
}

LoadedConfig load_config(const GlobalOptions& global) {
    LoadedConfig loaded;
    std::optional<fs::path> path;
    if (!global.config.empty()) {
        path = fs::path(global.config);
    } else {
        std::error_code error;
        fs::path cwd = fs::current_path(error);
        if (!error) path = source::find_config_file(cwd);
    }
    if (!path) {
        spdlog::debug("no {} found: using the defaults", source::k_config_file_name);
        std::error_code error;
        loaded.base_dir = fs::current_path(error);
        return loaded;
    }
    std::string shown = display_path(*path);
    spdlog::debug("configuration from {}", shown);
    loaded.config = policy::parse_config(source::read_file(*path), shown);
    loaded.base_dir = fs::absolute(*path).parent_path();
    loaded.from_file = true;
    return loaded;
}

plan::PlanOptions plan_options(const policy::Config& config) {
    plan::PlanOptions options;
    options.lint = policy::lint_options(config);
    options.timeouts.lock_timeout_ms = config.timeouts.lock_timeout_ms;
    options.timeouts.statement_timeout_ms = config.timeouts.statement_timeout_ms;
    options.timeouts.long_statement_timeout_ms = config.timeouts.long_statement_timeout_ms;
    options.timeouts.online_lock_timeout_ms = config.timeouts.online_lock_timeout_ms;
    return options;
}

}  // namespace pgsafe::cli
