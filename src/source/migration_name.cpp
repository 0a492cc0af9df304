// Which file names are migrations, and how their versions order: numerically
// per part, so V2 comes before V10 and 1.2.9 before 1.2.10, with versions of
// any length (timestamps, 20-digit popx versions) compared without overflow.

#include "paths.hpp"
#include "pgsafe/source/migration.hpp"

#include <algorithm>
#include <cctype>

namespace pgsafe::source {

namespace {

using detail::ends_with;

bool is_digit(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_separator(char c) {
    return c == '.' || c == '_';
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

// Digit groups joined by single '.' or '_': "1", "1.2.10", "1_1".
bool is_flyway_version(std::string_view version) {
    if (version.empty() || !is_digit(version.front()) || !is_digit(version.back())) {
        return false;
    }
    for (std::size_t i = 0; i < version.size(); ++i) {
        char c = version[i];
        if (is_separator(c) ? is_separator(version[i - 1]) : !is_digit(c)) {
            return false;
        }
    }
    return true;
}

// "V<version>__<name>", the ".sql" already removed.
std::optional<MigrationName> parse_flyway(std::string_view stem) {
    if (stem.size() < 2 || stem.front() != 'V') {
        return std::nullopt;
    }
    auto split = stem.find("__", 1);
    if (split == std::string_view::npos) {
        return std::nullopt;
    }
    auto version = stem.substr(1, split - 1);
    auto name = stem.substr(split + 2);
    if (!is_flyway_version(version) || name.empty()) {
        return std::nullopt;
    }
    return MigrationName{std::string(version), std::string(name)};
}

// "<digits>_<name>", the ".sql" or ".up.sql" already removed.
std::optional<MigrationName> parse_numbered(std::string_view stem) {
    auto split = stem.find('_');
    if (split == std::string_view::npos) {
        return std::nullopt;
    }
    auto version = stem.substr(0, split);
    auto name = stem.substr(split + 1);
    if (!all_digits(version) || name.empty()) {
        return std::nullopt;
    }
    return MigrationName{std::string(version), std::string(name)};
}

std::vector<std::string_view> version_parts(std::string_view version) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= version.size(); ++i) {
        if (i == version.size() || is_separator(version[i])) {
            parts.push_back(version.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}

std::string_view strip_leading_zeros(std::string_view digits) {
    auto first = digits.find_first_not_of('0');
    return first == std::string_view::npos ? std::string_view() : digits.substr(first);
}

// <0, 0, >0 like strcmp. Digit strings compare as numbers of any length.
// Other parts (no parsed name has them) sort after every number, by bytes,
// so that the order stays a strict weak ordering for std::sort.
int compare_part(std::string_view a, std::string_view b) {
    bool a_number = all_digits(a);
    bool b_number = all_digits(b);
    if (a_number != b_number) {
        return a_number ? -1 : 1;
    }
    if (a_number) {
        a = strip_leading_zeros(a);
        b = strip_leading_zeros(b);
        if (a.size() != b.size()) {
            return a.size() < b.size() ? -1 : 1;
        }
    }
    return a.compare(b);
}

}  // namespace

std::optional<MigrationName> parse_migration_name(std::string_view file_name) {
    if (!ends_with(file_name, ".sql") || ends_with(file_name, ".down.sql")) {
        return std::nullopt;
    }
    auto stem = file_name.substr(0, file_name.size() - 4);
    if (ends_with(stem, ".up")) {
        stem.remove_suffix(3);
    }
    if (auto flyway = parse_flyway(stem)) {
        return flyway;
    }
    return parse_numbered(stem);
}

// Missing trailing parts count as 0, so 1.2 and 1.2.0 are the same version.
bool version_less(std::string_view a, std::string_view b) {
    auto a_parts = version_parts(a);
    auto b_parts = version_parts(b);
    std::size_t count = std::max(a_parts.size(), b_parts.size());
    for (std::size_t i = 0; i < count; ++i) {
        std::string_view a_part = i < a_parts.size() ? a_parts[i] : "0";
        std::string_view b_part = i < b_parts.size() ? b_parts[i] : "0";
        if (int order = compare_part(a_part, b_part); order != 0) {
            return order < 0;
        }
    }
    return false;
}

}  // namespace pgsafe::source
