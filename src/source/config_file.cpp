// Locating pgsafe.toml by walking up from a directory. Reading it is
// read_file(); parsing and validation are config::parse_config().

#include "pgsafe/source/config_file.hpp"

#include <system_error>

namespace pgsafe::source {

namespace fs = std::filesystem;

std::optional<fs::path> find_config_file(const fs::path& start) {
    std::error_code error;
    fs::path dir = fs::absolute(start, error);
    if (error) return std::nullopt;
    dir = dir.lexically_normal();
    if (dir.filename().empty() && dir.has_relative_path()) dir = dir.parent_path();  // "/a/b/" -> "/a/b"
    while (true) {
        fs::path candidate = dir / k_config_file_name;
        if (fs::is_regular_file(candidate, error)) return candidate;
        if (!dir.has_relative_path()) return std::nullopt;  // the root: nowhere further up
        fs::path parent = dir.parent_path();
        if (parent == dir) return std::nullopt;
        dir = parent;
    }
}

}  // namespace pgsafe::source
