// What an earlier SET of the file changes for the rewrites after it.
// Names: after a SET search_path (or set_config), SET ROLE or SET SESSION
// AUTHORIZATION ("$user" in the path), RESET ALL or DISCARD, an unqualified name may
// mean another table than the facts and the pending set describe (they
// resolve names through the search path the database had when read), so a
// rewrite of a statement naming one is declined. Strings: pgsafe's parser
// reads string literals as standard-conforming and its deparser writes them
// so; after SET standard_conforming_strings (off) a rebuilt statement would
// store other text, so every rewrite after it is declined.

#include "planning.hpp"

#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

namespace pgsafe::plan::detail {
namespace {

std::vector<std::string> schema_list(const std::string& value) {
    std::vector<std::string> out;
    std::string item;
    for (char c : value + ",") {
        if (c == ',') {
            auto first = item.find_first_not_of(" \t\n\"");
            auto last = item.find_last_not_of(" \t\n\"");
            out.push_back(first == std::string::npos ? "" : item.substr(first, last - first + 1));
            item.clear();
        } else {
            item += c;
        }
    }
    return out;
}

// Whether a statement may change how later names resolve.
bool moves_names(const sql::Statement& statement, const analysis::TableFacts& facts) {
    if (statement.kind == "DiscardStmt") return true;  // DISCARD ALL: RESET ALL and more
    if (const auto* set = std::get_if<sql::VariableSet>(&statement.detail)) {
        if (set->name == "search_path")  // the same path the facts were read with changes nothing
            return set->reset || schema_list(set->value) != facts.search_path();
        return set->name == "role" || set->name == "session_authorization" || set->name.empty();
    }
    return false;
}

// Whether a statement may make string literals read otherwise: SET (or
// RESET, RESET ALL) of standard_conforming_strings to anything but on.
bool moves_strings(const sql::Statement& statement) {
    if (statement.kind == "DiscardStmt") return true;
    const auto* set = std::get_if<sql::VariableSet>(&statement.detail);
    if (set == nullptr) return false;
    if (set->name.empty()) return true;  // RESET ALL: back to the server's default, maybe off
    if (set->name != "standard_conforming_strings") return false;
    std::string value = set->value;
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return set->reset || (value != "on" && value != "true" && value != "yes" && value != "1");
}

std::function<bool(std::string_view)> is(std::string_view word) {
    return [word](std::string_view w) { return w == word; };
}

}  // namespace

EarlierSettings earlier_settings(const sql::ParsedFile& file, const analysis::TableFacts& facts) {
    EarlierSettings out;
    out.names.resize(file.statements.size());
    out.strings.resize(file.statements.size());
    std::string names_why;
    std::string strings_why;
    for (std::size_t i = 0; i < file.statements.size(); ++i) {
        out.names[i] = names_why;
        out.strings[i] = strings_why;
        const sql::Statement& s = file.statements[i];
        auto line = [&] { return sql::LineIndex(file.text).position(s.span.begin).line; };
        const std::string text = file.text.substr(s.span.begin, s.span.end - s.span.begin);
        bool set_config = s.kind == "SelectStmt" && any_word(text, is("set_config"));
        if (names_why.empty() && (moves_names(s, facts) || set_config))
            names_why = fmt::format(
                "kept as written: the statement at line {} changed how names resolve (search_path, role), so "
                "pgsafe cannot tell which table an unqualified name here means; schema-qualify it to get the "
                "safe form",
                line());
        if (strings_why.empty() &&
            (moves_strings(s) || (set_config && any_word(text, is("standard_conforming_strings")))))
            strings_why = fmt::format(
                "kept as written: the statement at line {} changed how string literals are read "
                "(standard_conforming_strings), and pgsafe rebuilds statements with standard-conforming "
                "strings",
                line());
    }
    return out;
}

bool names_unqualified(const analysis::Effects& effects) {
    return std::any_of(effects.locks.begin(), effects.locks.end(), [](const analysis::RelationLock& l) {
        return !l.relation.name.empty() && l.relation.schema.empty();
    });
}

}  // namespace pgsafe::plan::detail
