// The meta rules the engine reports itself: statements PostgreSQL cannot
// parse, and ignore comments that are malformed or match nothing.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

namespace pgsafe::rules {

Rule syntax_error() {
    return Rule{RuleInfo{rule_id::k_syntax_error, "A statement PostgreSQL 15 cannot parse", RuleGroup::Meta,
                         Severity::Error, true, "none: the statement would fail",
                         "Fix the statement; PostgreSQL's own parser reports where it stopped."},
                nullptr};
}

Rule unused_ignore() {
    return Rule{RuleInfo{rule_id::k_unused_ignore, "An ignore comment that matched no finding",
                         RuleGroup::Meta, Severity::Warning, true, "none",
                         "Remove the comment, or put it on the statement's first line or the line before."},
                nullptr};
}

Rule invalid_ignore() {
    return Rule{
        RuleInfo{rule_id::k_invalid_ignore, "An ignore comment without rule names, or naming an unknown rule",
                 RuleGroup::Meta, Severity::Error, true, "none",
                 "Name the rules: -- pgsafe:ignore rule-a, rule-b reason"},
        nullptr};
}

}  // namespace pgsafe::rules
