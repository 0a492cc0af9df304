#pragma once
// Unit tests of one rule: the findings of that rule alone in a piece of SQL,
// linted with no table facts (every table unknown, so large).

#include "pgsafe/rules/lint.hpp"
#include "pgsafe/sql/parse.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace pgsafe::test {

inline std::vector<rules::Finding> lint(const std::string& rule, const std::string& text, int pg_version = 15) {
    rules::LintOptions options;
    options.included.insert(rule);
    options.pg_version = pg_version;
    rules::LintSession session(options, analysis::TableFacts{});
    rules::FileResult result = session.lint("V1__test.sql", sql::parse_sql(text));
    auto& f = result.findings;
    f.erase(std::remove_if(f.begin(), f.end(), [&](const rules::Finding& x) { return x.rule != rule; }), f.end());
    return f;
}

}  // namespace pgsafe::test
