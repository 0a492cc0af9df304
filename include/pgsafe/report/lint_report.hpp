#pragma once
// Lint results as text for people and JSON for machines. Pure: returns the
// output as a string; the CLI decides where it goes and whether to colour it.

#include "pgsafe/rules/finding.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::report {

enum class Color { Off, On };

// rustc-style: "path:line:col: error[rule]: message", the source line with the
// span underlined, the help; then a one-line summary.
std::string lint_text(const std::vector<rules::FileResult>& files, Color color);

// {"version":1,"files":[…],"summary":{…}}, positions 1-based.
std::string lint_json(const std::vector<rules::FileResult>& files);

// The same report handed to `write` a file at a time, so a large one is never
// held whole (the corpus's is 6 MB; a document of it all cost 22 MiB more).
void write_lint_json(const std::vector<rules::FileResult>& files,
                     const std::function<void(std::string_view)>& write);

}  // namespace pgsafe::report
