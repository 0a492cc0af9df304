#pragma once
// Unit tests of one rule: the findings of that rule alone in a piece of SQL,
// linted with no table facts (every table unknown, so large).

#include "pgsafe/rules/lint.hpp"
#include "pgsafe/sql/parse.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace pgsafe::test {

inline std::vector<rules::Finding> lint(const std::string& rule, const std::string& text,
                                        int pg_version = 15) {
    rules::LintOptions options;
    options.included.insert(rule);
    options.pg_version = pg_version;
    rules::LintSession session(options, analysis::TableFacts{});
    rules::FileResult result = session.lint("V1__test.sql", sql::parse_sql(text));
    auto& f = result.findings;
    f.erase(std::remove_if(f.begin(), f.end(), [&](const rules::Finding& x) { return x.rule != rule; }),
            f.end());
    return f;
}

// The text a finding points at, up to the end of its line.
inline std::string at(const std::string& text, const rules::Finding& f) {
    return text.substr(f.span.begin, text.find('\n', f.span.begin) - f.span.begin);
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace pgsafe::test
