#pragma once
// The rule documentation pages (docs/rules/<name>.md), embedded in the binary
// at build time by cmake/embed_docs.cmake, so `pgsafe rules NAME` works from
// any directory and from an installed binary.

#include <optional>
#include <string_view>

namespace pgsafe::cli {

// The Markdown page of a rule; nullopt when docs/rules/<name>.md did not exist.
std::optional<std::string_view> rule_doc(std::string_view name);

}  // namespace pgsafe::cli
