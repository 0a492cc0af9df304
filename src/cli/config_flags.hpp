#pragma once
// Where each setting comes from: command line, then environment variables
// (PGSAFE_*), then pgsafe.toml, then defaults. The pieces every command that
// reads configuration shares.

#include "commands.hpp"

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/policy/config.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::cli {

struct LoadedConfig {
    policy::Config config;
    std::filesystem::path base_dir;  // relative paths in the file are relative to this
    bool from_file = false;
};

// --config (or PGSAFE_CONFIG, through the global flag), else pgsafe.toml in
// the working directory or the nearest one above it, else the defaults.
// Throws pgsafe::Error (Usage) for a missing or invalid file.
LoadedConfig load_config(const GlobalOptions& global);

// What the planner needs from the configuration: lint options and timeouts.
plan::PlanOptions plan_options(const policy::Config& config);

// The value of an environment variable, nullopt when unset or empty.
std::optional<std::string> env_var(const char* name);

// "a,b" "c" -> a, b, c (flags that take lists accept both forms).
std::vector<std::string> split_list(const std::vector<std::string>& values);

// A path for messages and reports: relative to the working directory when it
// is inside it, as given otherwise.
std::string display_path(const std::filesystem::path& path);

}  // namespace pgsafe::cli
