// Resetting the work session between migrations of one run, when one of
// them changed it (session_reset.hpp says why).

#include "session_reset.hpp"

#include "session.hpp"

#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/sql/session_effect.hpp"

#include <algorithm>
#include <set>

namespace pgsafe::runner {

void SessionReset::saw(const std::string& step_sql) {
    if (!m_changed) m_changed = changes_session(step_sql);
}

bool changes_session(const std::string& step_sql) {
    // Every statement that can change the session (sql/session_effect.hpp) has
    // one of these words, or a name in schema pg_temp: no need to parse the
    // others. A word, not a part of one: subject_set_id and temperature are not.
    static const std::set<std::string, std::less<>> k_words = {"set",  "reset",     "set_config",
                                                               "temp", "temporary", "prepare"};
    if (!plan::any_word(
            step_sql, [](std::string_view w) { return k_words.count(w) > 0 || w.substr(0, 7) == "pg_temp"; }))
        return false;
    auto statements = sql::session_statements(step_sql);
    if (!statements) return false;
    return std::any_of(statements->begin(), statements->end(), [](const sql::SessionStatement& s) {
        return s.kind != sql::SessionStatement::Kind::None;
    });
}

std::string SessionReset::take(const std::string& application_name) {
    if (!m_changed) return "";
    m_changed = false;
    return session_reset_sql(application_name);
}

std::string session_reset_sql(const std::string& application_name) {
    return "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL; DISCARD TEMP; DEALLOCATE ALL; " +
           session_setup_sql(application_name);
}

}  // namespace pgsafe::runner
