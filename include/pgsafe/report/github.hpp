#pragma once
// Lint results as GitHub Actions workflow commands, so findings show up as
// annotations on the pull request's diff. Pure: returns the text.

#include "pgsafe/rules/finding.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::report {

// One line per finding: "::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=T::message"
// (warning -> ::warning, info -> ::notice), then the plain summary line.
// Paths are written as given: the CLI makes them relative to the workspace.
std::string lint_github(const std::vector<rules::FileResult>& files);

// Escaping per GitHub's toolkit: message data escapes % \r \n; property
// values also escape : and , (they separate properties).
std::string github_escape_data(std::string_view text);
std::string github_escape_property(std::string_view text);

}  // namespace pgsafe::report
