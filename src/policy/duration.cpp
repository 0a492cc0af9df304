// Durations as policies write them ("100ms", "15m", "72h", "7d") and as
// messages show them ("5 h 12 min").

#include "pgsafe/policy/policy.hpp"

#include <fmt/format.h>

#include <cctype>

namespace pgsafe::policy {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) ++digits;
    if (digits == 0 || digits > 9) return std::nullopt;
    long long number = std::stoll(std::string(text.substr(0, digits)));
    std::string_view unit = text.substr(digits);
    if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    struct Unit {
        std::string_view name;
        long long ms;
    };
    static const Unit k_units[] = {{"ms", 1},      {"s", 1000},    {"m", 60000},
                                   {"min", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (const Unit& u : k_units)
        if (unit == u.name) return std::chrono::milliseconds(number * u.ms);
    return std::nullopt;
}

std::string describe_duration(Seconds duration) {
    long long s = duration.count();
    if (s < 0) s = 0;
    long long days = s / 86400, hours = s % 86400 / 3600, minutes = s % 3600 / 60, seconds = s % 60;
    if (days > 0) return hours > 0 ? fmt::format("{} d {} h", days, hours) : fmt::format("{} d", days);
    if (hours > 0)
        return minutes > 0 ? fmt::format("{} h {} min", hours, minutes) : fmt::format("{} h", hours);
    if (minutes > 0)
        return seconds > 0 && minutes < 10 ? fmt::format("{} min {} s", minutes, seconds)
                                           : fmt::format("{} min", minutes);
    return fmt::format("{} s", seconds);
}

}  // namespace pgsafe::policy
