// Did-you-mean for rule names, from the registry: one place for every
// command and file that names rules.

#include "pgsafe/rules/suggest.hpp"

#include "pgsafe/did_you_mean.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/rules/rule.hpp"

#include <fmt/format.h>

#include <vector>

namespace pgsafe::rules {

std::optional<std::string> suggest_rule(std::string_view name) {
    std::vector<std::string> names;
    for (const auto& rule : registry()) names.push_back(rule.info.name);
    return closest_name(name, names);
}

void require_known_rule(const std::string& name, const std::string& where) {
    if (find_rule(name) != nullptr) return;
    throw Error(ErrorKind::Usage,
                fmt::format("{}unknown rule \"{}\"{}", where, name, did_you_mean(suggest_rule(name))));
}

}  // namespace pgsafe::rules
