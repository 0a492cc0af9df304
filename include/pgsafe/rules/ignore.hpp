#pragma once
// Ignore comments: `-- pgsafe:ignore rule-a, rule-b [reason]` on a statement's
// first line or the line before it, `-- pgsafe:ignore-file rule-a` for the
// whole file. A bare ignore is an error; one that matched nothing is reported.

#include "pgsafe/rules/finding.hpp"
#include "pgsafe/sql/parse.hpp"

#include <string>
#include <vector>

namespace pgsafe::rules {

struct IgnoreDirective {
    sql::Span span;  // the comment
    size_t line = 0;
    bool whole_file = false;
    std::vector<std::string> rules;
    std::vector<bool> used;  // per rule name
};

// Directives in the file's comments; malformed ones become findings in `errors`.
std::vector<IgnoreDirective> parse_ignores(const sql::ParsedFile& file, std::vector<Finding>& errors);

}  // namespace pgsafe::rules
