#pragma once
// An identifier as SQL text: the one spelling of a double-quoted name, for
// every module that writes SQL itself (rewrites, batch keys, the runner's
// own statements). A qualified name is quoted one part at a time, as a
// (schema, name) pair: never a string split at a dot.

#include <string>
#include <string_view>

namespace pgsafe::sql {

// "Measurements", "say ""hi""": always quoted (embedded " doubled), so case,
// keywords and dots survive.
std::string quoted_identifier(std::string_view name);

}  // namespace pgsafe::sql
