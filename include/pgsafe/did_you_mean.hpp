#pragma once
// "Did you mean …?" for a misspelt name: the closest of a list of known names
// by edit distance, or the one that contains a shortened name. Shared by the
// configuration (keys) and the rules registry (rule names). Pure, header-only.

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe {

// Levenshtein distance between two names.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The candidate closest to `name` when one is close enough (a third of the
// name, at least 2 edits), else the first that contains a shortened name of
// four or more characters ("adding-foreign-key"), else nullopt.
template <typename Names>
std::optional<std::string> closest_name(std::string_view name, const Names& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (const auto& candidate : candidates) {
        std::size_t d = edit_distance(name, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = std::string(candidate);
        }
    }
    if (best || name.size() < 4) return best;
    for (const auto& candidate : candidates) {
        if (std::string_view(candidate).find(name) != std::string_view::npos) return std::string(candidate);
    }
    return std::nullopt;
}

// " (did you mean "x"?)", or "" without a suggestion.
inline std::string did_you_mean(const std::optional<std::string>& suggestion) {
    return suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string();
}

}  // namespace pgsafe
