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

// A step that builds an index outside a transaction (CREATE INDEX
// CONCURRENTLY name ON table): its table as written, and whether it says
// IF NOT EXISTS.
struct ConcurrentIndex {
    sql::RelationName table;
    std::string name;
    bool if_not_exists = false;
};
std::optional<ConcurrentIndex> concurrent_index(const StoredStep& step);

// The index of the step's name on the step's table, as the work session
// resolves that table: the index lives in its table's schema, which need not
// be the first on the search_path, and an index of that name on another
// table is someone else's. Empty when there is none.
struct BuiltIndex {
    bool valid = false;
    std::string sql_name;  // "schema"."index", for DROP INDEX
    std::string shown;     // schema.index, for people
};
std::optional<BuiltIndex> built_index(Executor& work, const ConcurrentIndex& index);
// The query built_index runs, and how it reads its answer (a round trip may
// bring the query with other statements).
std::string built_index_sql(const ConcurrentIndex& index);
std::optional<BuiltIndex> built_index_of(const Executor::Rows& rows);

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
