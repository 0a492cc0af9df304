// The name `pgsafe new` gives a migration: the folder's own layout and the
// version after its highest one, so that the file sorts last for every tool
// that reads the folder (pgsafe, Flyway, golang-migrate, dbmate). Pure: the
// CLI lists the folder and passes the clock in.

#include "pgsafe/source/next_migration.hpp"

#include "paths.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace pgsafe::source {
namespace {

using detail::ends_with;
using Clock = std::chrono::system_clock;

constexpr std::size_t k_max_slug = 100;
constexpr std::size_t k_timestamp_digits = 14;  // YYYYMMDDHHMMSS

enum class Layout { Flyway, Numbered, NumberedUp };

struct Existing {
    MigrationName name;
    Layout layout;
};

bool is_ascii_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

// A migration among the folder's file names; "x.down.sql" counts as "x.up.sql".
std::optional<Existing> parse_existing(std::string file_name) {
    if (ends_with(file_name, ".down.sql")) file_name.replace(file_name.size() - 9, 9, ".up.sql");
    auto name = parse_migration_name(file_name);
    if (!name) return std::nullopt;
    Layout layout = ends_with(file_name, ".up.sql") ? Layout::NumberedUp
                    : file_name.front() == 'V'      ? Layout::Flyway
                                                    : Layout::Numbered;
    return Existing{*name, layout};
}

std::string file_name(Layout layout, const std::string& version, std::string_view name) {
    switch (layout) {
        case Layout::Flyway: return fmt::format("V{}__{}.sql", version, name);
        case Layout::Numbered: return fmt::format("{}_{}.sql", version, name);
        case Layout::NumberedUp: return fmt::format("{}_{}.up.sql", version, name);
    }
    return {};
}

// "0009" -> "0010", "99" -> "100": decimal digits of any length, width kept.
std::string increment_digits(std::string digits) {
    for (auto i = digits.size(); i-- > 0;) {
        if (digits[i] != '9') {
            ++digits[i];
            return digits;
        }
        digits[i] = '0';
    }
    return "1" + digits;
}

// The last digit group goes up: "7" -> "8", "1.2.9" -> "1.2.10", "1_1" -> "1_2".
std::string increment_version(const std::string& version) {
    auto last = version.find_last_of("._");
    auto head = last == std::string::npos ? std::string() : version.substr(0, last + 1);
    return head + increment_digits(version.substr(head.size()));
}

int digits_value(std::string_view text) {
    int value = 0;
    for (char c : text) value = value * 10 + (c - '0');
    return value;
}

// "20240131120000" as a time, when it is a real UTC timestamp.
std::optional<date::sys_seconds> parse_timestamp(const std::string& version) {
    if (version.size() != k_timestamp_digits || !std::all_of(version.begin(), version.end(), is_ascii_digit))
        return std::nullopt;
    std::string_view v = version;
    date::year_month_day day{date::year{digits_value(v.substr(0, 4))},
                             date::month{static_cast<unsigned>(digits_value(v.substr(4, 2)))},
                             date::day{static_cast<unsigned>(digits_value(v.substr(6, 2)))}};
    int hours = digits_value(v.substr(8, 2));
    int minutes = digits_value(v.substr(10, 2));
    int seconds = digits_value(v.substr(12, 2));
    if (!day.ok() || day.year() < date::year{1970} || hours > 23 || minutes > 59 || seconds > 59)
        return std::nullopt;
    return date::sys_days{day} + std::chrono::hours{hours} + std::chrono::minutes{minutes} +
           std::chrono::seconds{seconds};
}

std::string timestamp(date::sys_seconds at) {
    return date::format("%Y%m%d%H%M%S", at);
}

std::string next_version(const std::string& highest, Clock::time_point now) {
    if (auto last = parse_timestamp(highest)) {
        auto seconds = date::floor<std::chrono::seconds>(now);
        return timestamp(std::max(seconds, *last + std::chrono::seconds{1}));
    }
    return increment_version(highest);
}

}  // namespace

void require_migration_slug(std::string_view name) {
    auto refuse = [&](const char* why) {
        throw Error(ErrorKind::Usage,
                    fmt::format("migration name \"{}\" {}: use an ASCII letter, then letters, digits, '_' or "
                                "'-' (for example add_users_email)",
                                name, why));
    };
    if (name.empty()) refuse("is empty");
    if (!is_ascii_alpha(name.front())) refuse("does not start with a letter");
    for (char c : name) {
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '_' && c != '-')
            refuse(c == ' ' ? "contains a space" : "contains a character a file name cannot safely hold");
    }
    if (name.find("__") != std::string_view::npos)
        refuse("contains \"__\", which Flyway reads as a separator");
    if (name.size() > k_max_slug) refuse("is longer than 100 characters");
}

NewMigration next_migration(const std::vector<std::string>& existing, std::string_view name,
                            Clock::time_point now) {
    require_migration_slug(name);
    std::optional<Existing> highest;
    for (const auto& file : existing) {
        auto parsed = parse_existing(file);
        if (parsed && (!highest || !version_less(parsed->name.version, highest->name.version)))
            highest = parsed;
    }
    if (!highest) return {file_name(Layout::Flyway, "1", name), "1", std::string(name)};
    std::string version = next_version(highest->name.version, now);
    return {file_name(highest->layout, version, name), version, std::string(name)};
}

std::string new_migration_header(const NewMigration& migration, Clock::time_point now) {
    return fmt::format(
        "-- Migration {}: {}\n"
        "-- Created {} UTC by `pgsafe new`.\n"
        "-- `pgsafe lint` checks it, `pgsafe plan` shows the safe steps, `pgsafe migrate` runs it once.\n"
        "\n",
        migration.version, migration.name,
        date::format("%Y-%m-%d %H:%M:%S", date::floor<std::chrono::seconds>(now)));
}

}  // namespace pgsafe::source
