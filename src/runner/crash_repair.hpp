#pragma once
// What an interrupted CONCURRENTLY statement leaves behind, found before its
// step runs again after an earlier run of the migration (execute_step.cpp
// repairs it): the INVALID _ccnew/_ccold indexes of a REINDEX …
// CONCURRENTLY, and a partition a DETACH PARTITION … CONCURRENTLY left
// "detach pending". PostgreSQL's own recovery, done the way its docs say.

#include "executor.hpp"
#include "tracking.hpp"

#include "pgsafe/sql/ir.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

struct Leftover {
    std::string sql_name;  // "schema"."index", for DROP INDEX
    std::string shown;     // schema.index, for people
};

// The INVALID indexes an interrupted REINDEX … CONCURRENTLY of the step's
// index or table left on that table: <index>_ccnew, _ccnew1, … (the copy
// being built) and _ccold… (the original, after the swap). Empty for any
// other step. Indexes of the table's TOAST table are left alone.
std::vector<Leftover> reindex_leftovers(Executor& work, const StoredStep& step);

// A step that is one ALTER TABLE parent DETACH PARTITION child CONCURRENTLY.
struct ConcurrentDetach {
    sql::RelationName parent;
    sql::RelationName partition;
};
std::optional<ConcurrentDetach> concurrent_detach(const StoredStep& step);

enum class DetachState {
    Attached,  // or not known: the step runs as written
    Pending,   // an interrupted DETACH … CONCURRENTLY: only FINALIZE completes it
    Detached,  // no longer a partition of anything
};
DetachState detach_state(Executor& work, const ConcurrentDetach& detach);
std::string finalize_sql(const ConcurrentDetach& detach);

}  // namespace pgsafe::runner
