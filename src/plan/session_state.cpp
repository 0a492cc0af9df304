// Which steps of a migration set the session up for the later ones
// (session-level settings, temporary objects), found by parsing each
// step's SQL; see session_state.hpp for why a resume needs to know.

#include "pgsafe/plan/session_state.hpp"

#include "pgsafe/sql/session_effect.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <string_view>
#include <unordered_set>

namespace pgsafe::plan {
namespace {

using sql::SessionStatement;

struct ParsedStep {
    std::vector<SessionStatement> statements;  // empty when the step does not parse
    std::unordered_set<std::string> words;
};

bool drops(const SessionStatement& s, const std::string& name) {
    return std::any_of(s.dropped.begin(), s.dropped.end(),
                       [&](const sql::RelationName& n) { return n.name == name; });
}

bool creates(const SessionStatement& s, const std::string& name) {
    return s.kind == SessionStatement::Kind::TemporaryObject && s.name.name == name;
}

// How far the temporary object `name`, created in step `created` (0-based),
// is used: up to the last later step naming it, ending at the step that
// drops it or before the one that creates it again. 1-based.
int last_use(const std::vector<ParsedStep>& steps, std::size_t created, const std::string& name) {
    int last = static_cast<int>(created) + 1;
    for (std::size_t s = created + 1; s < steps.size(); ++s) {
        const auto& statements = steps[s].statements;
        if (std::any_of(statements.begin(), statements.end(),
                        [&](const SessionStatement& st) { return creates(st, name); }))
            break;
        if (steps[s].words.count(name) == 0) continue;
        last = static_cast<int>(s) + 1;
        if (std::any_of(statements.begin(), statements.end(),
                        [&](const SessionStatement& st) { return drops(st, name); }))
            break;
    }
    return last;
}

}  // namespace

SessionState session_state(const std::vector<std::string>& steps) {
    // Only the steps that may change the session are parsed, unless one
    // creates a temporary object: then every step's statements (a later
    // DROP of it) and words (a later use) count.
    std::vector<ParsedStep> parsed(steps.size());
    std::vector<bool> read(steps.size(), false);
    auto read_statements = [&](std::size_t s) {
        if (auto statements = sql::session_statements(steps[s]))
            parsed[s].statements = std::move(*statements);
        read[s] = true;
    };
    bool temporary = false;
    for (std::size_t s = 0; s < steps.size(); ++s) {
        if (!may_change_session(steps[s])) continue;
        read_statements(s);
        temporary = temporary || std::any_of(parsed[s].statements.begin(), parsed[s].statements.end(),
                                             [](const SessionStatement& st) {
                                                 return st.kind == SessionStatement::Kind::TemporaryObject;
                                             });
    }
    for (std::size_t s = 0; temporary && s < steps.size(); ++s) {
        if (!read[s]) read_statements(s);
        for (auto& w : words_of(steps[s])) parsed[s].words.insert(std::move(w));
    }
    SessionState out;
    for (std::size_t s = 0; s < parsed.size(); ++s) {
        int number = static_cast<int>(s) + 1;
        for (const auto& statement : parsed[s].statements) {
            if (statement.kind == SessionStatement::Kind::Setting) {
                out.settings.push_back({number, steps[s].substr(statement.span.begin,
                                                                statement.span.end - statement.span.begin)});
            } else if (statement.kind == SessionStatement::Kind::TemporaryObject) {
                int last = last_use(parsed, s, statement.name.name);
                if (last > number)
                    out.temporaries.push_back({statement.what, statement.name.name, number, last});
            }
        }
    }
    return out;
}

std::string settings_before(const SessionState& state, int next) {
    std::string out;
    for (const auto& s : state.settings)
        if (s.step < next) out += s.sql + ";\n";
    return out;
}

std::optional<TemporarySpan> lost_temporary(const SessionState& state, int next) {
    for (const auto& t : state.temporaries)
        if (t.created < next && t.last_use >= next) return t;
    return std::nullopt;
}

bool may_change_session(const std::string& text) {
    static const std::unordered_set<std::string_view> k_words = {"set",  "reset",     "set_config",
                                                                 "temp", "temporary", "prepare"};
    return any_word(text,
                    [](std::string_view w) { return k_words.count(w) > 0 || w.substr(0, 7) == "pg_temp"; });
}

bool any_word(const std::string& text, const std::function<bool(std::string_view)>& each) {
    auto word_char = [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '_' || c == '$' || c >= 0x80;
    };
    std::string word;  // reused: no allocation per word
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '"') {
            word.clear();
            std::size_t j = i + 1;
            for (; j < text.size(); ++j) {
                if (text[j] != '"') {
                    word += text[j];
                } else if (j + 1 < text.size() && text[j + 1] == '"') {
                    word += '"';
                    ++j;
                } else {
                    break;
                }
            }
            if (each(word)) return true;
            i = j + 1;
        } else if (word_char(static_cast<unsigned char>(text[i]))) {
            std::size_t j = i;
            while (j < text.size() && word_char(static_cast<unsigned char>(text[j]))) ++j;
            word.assign(text, i, j - i);
            bool lower = std::none_of(word.begin(), word.end(),
                                      [](unsigned char c) { return c < 0x80 && std::isupper(c); });
            if (!lower && each(word)) return true;
            std::transform(word.begin(), word.end(), word.begin(),
                           [](unsigned char c) { return c < 0x80 ? std::tolower(c) : c; });
            if (each(word)) return true;
            i = j;
        } else {
            ++i;
        }
    }
    return false;
}

std::vector<std::string> words_of(const std::string& text) {
    std::unordered_set<std::string> words;
    any_word(text, [&](std::string_view w) {
        words.emplace(w);
        return false;
    });
    return {words.begin(), words.end()};
}

}  // namespace pgsafe::plan
