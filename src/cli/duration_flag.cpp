// Seconds or a duration for a wait flag (duration_flag.hpp).

#include "duration_flag.hpp"

#include "pgsafe/policy/policy.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>

namespace pgsafe::cli {

CLI::Validator seconds_or_duration() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            char* end = nullptr;
            double seconds = std::strtod(value.c_str(), &end);
            if (!value.empty() && *end == '\0' && std::isfinite(seconds) && seconds >= 0) return "";
            if (auto duration = policy::parse_duration(value)) {
                value = fmt::format("{}", static_cast<double>(duration->count()) / 1000.0);
                return "";
            }
            return fmt::format(R"(expected seconds ("300") or a duration ("90s", "5m", "1h"), not "{}")",
                               value);
        },
        "SECONDS|DURATION");
}

}  // namespace pgsafe::cli
