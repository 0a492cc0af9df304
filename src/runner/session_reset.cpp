// Resetting the work session between migrations of one run, when one of
// them changed it (session_reset.hpp says why).

#include "session_reset.hpp"

#include "session.hpp"

#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/sql/session_effect.hpp"

#include <algorithm>

namespace pgsafe::runner {

void SessionReset::saw(const std::string& step_sql) {
    if (!m_changed) m_changed = changes_session(step_sql);
}

bool changes_session(const std::string& step_sql) {
    // A word, not a part of one: subject_set_id and temperature are not.
    if (!plan::may_change_session(step_sql)) return false;
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
           session_setup_sql(application_name, SearchPath::Users);
}

}  // namespace pgsafe::runner
