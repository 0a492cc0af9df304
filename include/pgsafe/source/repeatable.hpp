#pragma once
// Flyway repeatable migrations (R__<description>.sql) among the versioned
// ones: the key they are tracked and approved by.

#include <string>
#include <string_view>

namespace pgsafe::source {

// A Flyway repeatable migration (R__<description>.sql) has no version: pgsafe
// tracks it as "R__<description>", a key no versioned file can have, which
// sorts after every version. It runs after the versioned migrations whenever
// its checksum differs from the one last applied (src/runner/repeatables.cpp).
inline constexpr std::string_view k_repeatable_prefix = "R__";
inline bool is_repeatable(std::string_view version) {
    return version.substr(0, k_repeatable_prefix.size()) == k_repeatable_prefix;
}
inline std::string repeatable_version(std::string_view description) {
    return std::string(k_repeatable_prefix) + std::string(description);
}

}  // namespace pgsafe::source
