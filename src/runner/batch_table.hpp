#pragma once
// The table a batched step walks, as the batches find it before the first
// one: the plan read its facts earlier, and earlier steps of the run may
// have changed it since.

#include "executor.hpp"

#include "pgsafe/plan/plan.hpp"

#include <string>
#include <vector>

namespace pgsafe::runner {

// Statement-level UPDATE/DELETE triggers on the table: a whole-table UPDATE
// or DELETE run in batches would fire them once per batch instead of once.
std::vector<std::string> statement_triggers(Executor& work, const plan::Batch& b);

// What the plan took for granted about the table: whether every key column
// is still NOT NULL (a NULL key is never reached by `key > last`), and its
// UPDATE triggers (fired by a backfill's UPDATE, never by the ADD COLUMN it
// stands for).
struct TableNow {
    bool key_not_null = false;
    std::string update_triggers;  // "a, b" or ""
};
TableNow table_now(Executor& work, const plan::Batch& b);

// The table's rows as pg_class estimates them (0 when never counted).
double estimated_rows(Executor& work, const plan::Batch& b);

}  // namespace pgsafe::runner
