#pragma once
// A resumed migration continues in a new session: what its completed steps
// left in the killed run's session is gone. Session-level settings (SET,
// SET ROLE, SELECT set_config(…, false)) are put back before the first step
// that runs, so the remaining steps run under the settings an uninterrupted
// run gives them. A temporary object (or prepared statement) that a
// completed step created and a remaining step uses cannot be put back:
// such a resume is refused before anything runs ("session-state-lost").

#include "reconcile.hpp"
#include "tracking.hpp"

#include "pgsafe/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

struct ResumedSession {
    std::optional<Refusal> refusal;  // "session-state-lost": nothing of the run may execute
    std::string restore_sql;         // the settings to apply again, "" when none
};

// For `file` resumed with `steps` (the applied ones first, as recorded):
// what its completed steps set in the session. Pure.
ResumedSession resumed_session(const source::MigrationFile& file, const std::vector<StoredStep>& steps);

}  // namespace pgsafe::runner
