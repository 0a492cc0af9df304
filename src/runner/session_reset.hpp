#pragma once
// Each migration of a run starts from the session as pgsafe opened it, as
// `psql -f` gives each file a session of its own: a SET, SET ROLE or
// temporary table of one migration does not reach the next. Without this,
// what a migration ran under would depend on whether the run was killed
// before it (the rerun starts it in a new session) — a silent difference.
// Only a session that a migration did change is reset.

#include <string>

namespace pgsafe::runner {

class SessionReset {
public:
    // After a step ran: remembers whether its SQL changed the session (a
    // session-level setting, a temporary object or prepared statement).
    void saw(const std::string& step_sql);
    // The SQL to run before the next migration ("" when nothing changed),
    // and forgets what it saw.
    std::string take(const std::string& application_name);
    // Whether a migration changed the session since the last take().
    bool pending() const { return m_changed; }

private:
    bool m_changed = false;
};

// Whether `step_sql` may change the session (a session-level setting, a
// temporary object or a prepared statement).
bool changes_session(const std::string& step_sql);

// RESET SESSION AUTHORIZATION, RESET ROLE, RESET ALL, DISCARD TEMP,
// DEALLOCATE ALL, then pgsafe's own session settings again.
std::string session_reset_sql(const std::string& application_name);

}  // namespace pgsafe::runner
