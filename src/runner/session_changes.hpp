#pragma once
// The statements of a run that changed the session pgsafe runs the later
// steps in (SET ROLE, SET SESSION AUTHORIZATION, SET
// default_transaction_read_only …), so that an error they cause names them.
// pgsafe's own tracking writes are immune (k_own_settings_sql); the
// migration's later statements see the session as psql -f would, and fail
// as they would there.

#include "pgsafe/runner/observer.hpp"

#include <string>
#include <vector>

namespace pgsafe::runner {

class SessionChanges {
public:
    // After step `view` ran: remembers each session-level SET or RESET it holds.
    void saw(const StepView& view);
    // " (earlier in this run, a migration changed the session …: `SET ROLE app` at
    // migrations/V3__x.sql:2 (step 1/3))", or "" when nothing was changed.
    std::string explain() const;
    // Whether one may have made later transactions read-only (SET
    // default_transaction_read_only, SET SESSION CHARACTERISTICS AS TRANSACTION …).
    bool read_only_possible() const { return m_read_only; }

private:
    std::vector<std::string> m_changes;
    bool m_read_only = false;
};

}  // namespace pgsafe::runner
