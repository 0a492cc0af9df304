#pragma once
// The rewrite catalog: every safe form `pgsafe plan` knows, with the rules
// whose findings it answers. The one list lives in src/plan/rewrites.cpp and
// is also the order in which the planner tries them; a test fails when a
// rewrite lacks fixtures under tests/plan/<folder>/ or a section in
// docs/plan.md.

#include <string_view>
#include <vector>

namespace pgsafe::plan {

struct RewriteInfo {
    std::string_view name;                   // kebab-case; docs/plan.md has a section "### <name>"
    std::string_view file;                   // its source file in src/plan/
    std::vector<std::string_view> answers;   // rule names (rules::rule_id) whose findings it answers
    std::vector<std::string_view> fixtures;  // its fixture folders under tests/plan/
};

// Every rewrite, in the order the planner tries them.
std::vector<RewriteInfo> rewrite_catalog();

}  // namespace pgsafe::plan
