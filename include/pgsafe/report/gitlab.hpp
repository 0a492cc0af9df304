#pragma once
// Lint results as a GitLab Code Quality report, so a merge request shows each
// finding in its widget and diff. Pure: returns the document.

#include "pgsafe/rules/finding.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::report {

// A JSON array with one issue per finding: description (message and help),
// check_name (the rule), fingerprint, severity (info -> "info", warning ->
// "minor", error -> "major", syntax-error -> "blocker": nothing in that file
// was checked), location.path (as given: the CLI makes it relative to the
// working directory, GitLab wants it relative to the repository) and
// location.lines.begin (1-based). An empty array when nothing was found.
std::string lint_gitlab(const std::vector<rules::FileResult>& files);

// The fingerprint GitLab matches issues by between the base and the head of a
// merge request: a hash of the rule, the path, the table and the finding's
// SQL with its whitespace collapsed, never its line, so a finding keeps its
// identity when lines above it move. `occurrence` (0 for the first) tells
// apart identical findings in one file. FNV-1a, 16 lower-case hex digits.
std::string gitlab_fingerprint(std::string_view rule, std::string_view path, std::string_view table,
                               std::string_view sql, std::size_t occurrence);

}  // namespace pgsafe::report
