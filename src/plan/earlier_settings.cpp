// What an earlier SET of the file changes for the rewrites after it (one
// record for the planner's declines and the batches' session hazards).
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
#include <initializer_list>

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

std::vector<EarlierSetting> earlier_settings(const sql::ParsedFile& file, const analysis::TableFacts& facts) {
    std::vector<EarlierSetting> out(file.statements.size());
    EarlierSetting now;  // what the statements so far changed
    for (std::size_t i = 0; i < file.statements.size(); ++i) {
        out[i] = now;
        const sql::Statement& s = file.statements[i];
        auto line = [&] { return sql::LineIndex(file.text).position(s.span.begin).line; };
        const std::string text = file.text.substr(s.span.begin, s.span.end - s.span.begin);
        // set_config() can set anything, the role and search_path included.
        bool set_config = s.kind == "SelectStmt" && any_word(text, is("set_config"));
        const auto* set = std::get_if<sql::VariableSet>(&s.detail);
        auto sets = [&](std::initializer_list<const char*> names) {
            return set != nullptr && std::any_of(names.begin(), names.end(),
                                                 [&](const char* name) { return set->name == name; });
        };
        now.role =
            now.role || set_config || s.kind == "DiscardStmt" || sets({"role", "session_authorization"});
        now.client_encoding = now.client_encoding || set_config || sets({"client_encoding"});
        now.search_path = now.search_path || set_config || sets({"search_path"});
        if (now.names.empty() && (moves_names(s, facts) || set_config))
            now.names = fmt::format(
                "kept as written: the statement at line {} changed how names resolve (search_path, role), so "
                "pgsafe cannot tell which table an unqualified name here means; schema-qualify it to get the "
                "safe form",
                line());
        if (now.strings.empty() &&
            (moves_strings(s) || (set_config && any_word(text, is("standard_conforming_strings")))))
            now.strings = fmt::format(
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
