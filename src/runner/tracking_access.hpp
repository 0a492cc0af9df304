#pragma once
// Who may use the tracking schema (issue 12 item 8). Schema `pgsafe`
// belongs to the role that created it: the first runner, or the
// administrator who ran `pgsafe init`, which grants the policy's run and
// approve roles what they need. A role without those grants must hear who
// owns the schema and what fixes it, not "permission denied for schema".

#include "pgsafe/db/connection.hpp"

namespace pgsafe::runner {

enum class TrackingUse {
    Read,  // status, approvals, audit: read the tables
    Run,   // migrate: read and write migrations, steps and events, create or upgrade the schema
};

// Throws pgsafe::Error (Database) naming the schema's owner, what the
// connected role lacks and the fix (`pgsafe init`, run by the owner), when
// that role cannot use the tracking schema as `use` needs: no CREATE on the
// database to create it, a missing privilege, or an upgrade only the owner
// may make. Reads the catalogs only; nothing in the schema runs. Returns
// whether a schema named pgsafe exists (when it does not, there is nothing
// in it to check or distrust).
bool require_tracking_access(db::Connection& connection, TrackingUse use);

}  // namespace pgsafe::runner
