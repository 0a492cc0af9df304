#pragma once
// Rule names as users type them: the registered name closest to a misspelt
// one, for `pgsafe rules NAME`, --exclude/--include and the configuration.

#include <optional>
#include <string>
#include <string_view>

namespace pgsafe::rules {

// The closest registered rule name to a misspelt one, when one is close.
std::optional<std::string> suggest_rule(std::string_view name);

// Throws pgsafe::Error (Usage) "`where`unknown rule "x" (did you mean "y"?)"
// when the registry has no rule of that name.
void require_known_rule(const std::string& name, const std::string& where);

}  // namespace pgsafe::rules
