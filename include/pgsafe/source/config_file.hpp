#pragma once
// Finding the project's pgsafe.toml: in the working directory or the nearest
// directory above it, as git finds .git, so every command run anywhere in a
// project sees the same configuration.

#include <filesystem>
#include <optional>

namespace pgsafe::source {

inline constexpr const char* k_config_file_name = "pgsafe.toml";

// `start`/pgsafe.toml or the same in the nearest parent directory that has
// one (a regular file); nullopt when no directory up to the root has one.
std::optional<std::filesystem::path> find_config_file(const std::filesystem::path& start);

}  // namespace pgsafe::source
