// `-- pgsafe:no-rewrite` keeps a statement as written (its findings stay):
// for the reviewer who knows better, on the statement's first line or the
// line before it, like ignore comments.

#include "planning.hpp"

#include "pgsafe/sql/position.hpp"

#include <map>
#include <string_view>

namespace pgsafe::plan::detail {

std::set<std::size_t> no_rewrite_statements(const sql::ParsedFile& file) {
    constexpr std::string_view k_directive = "pgsafe:no-rewrite";
    sql::LineIndex lines(file.text);
    std::set<std::size_t> directive_lines;
    for (const auto& comment : file.comments) {
        std::string_view text = comment.text;
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
        if (text.substr(0, k_directive.size()) != k_directive) continue;
        std::string_view rest = text.substr(k_directive.size());
        if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t' && rest.front() != '\n') continue;
        directive_lines.insert(lines.position(comment.span.begin).line);
    }
    std::set<std::size_t> out;
    if (directive_lines.empty()) return out;
    for (std::size_t i = 0; i < file.statements.size(); ++i) {
        std::size_t line = lines.position(file.statements[i].span.begin).line;
        if (directive_lines.count(line) > 0 || directive_lines.count(line - 1) > 0) out.insert(i);
    }
    return out;
}

}  // namespace pgsafe::plan::detail
