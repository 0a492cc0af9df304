#pragma once
// Lint results as text for people and JSON for machines. Pure: returns the
// output as a string; the CLI decides where it goes and whether to colour it.

#include "pgsafe/rules/finding.hpp"

#include <string>
#include <vector>

namespace pgsafe::report {

enum class Color { Off, On };

// rustc-style: "path:line:col: error[rule]: message", the source line with the
// span underlined, the help; then a one-line summary.
std::string lint_text(const std::vector<rules::FileResult>& files, Color color);

// {"version":1,"files":[…],"summary":{…}}, positions 1-based.
std::string lint_json(const std::vector<rules::FileResult>& files);

}  // namespace pgsafe::report
