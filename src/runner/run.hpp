#pragma once
// The run itself, once the runner lock is held (or, for --dry-run, would
// be): tracking schema, what ran before, refusals, plans, then every step,
// recorded as it goes. migrate() sends it to the database; dry_run() to a
// recording executor, so both follow this one code path.

#include "executor.hpp"
#include "interrupt.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/runner/runner.hpp"

#include <vector>

namespace pgsafe::runner {

// `work` takes every statement the run sends; `reads` answers what the run
// reads before it decides (tracking tables, table sizes); `lock_check` is
// RunnerLock::check_sql(), run before every step and commit ("" for
// --dry-run, which takes no lock); `lock_session` is the runner lock's
// session, which may read table facts while the work session creates the
// tracking schema (nullptr for --dry-run, whose `work` only records).
// Never throws for what happens once it has started: the result says.
RunResult run_locked(const std::vector<source::MigrationFile>& files, const RunOptions& options,
                     Executor& work, db::Connection& reads, InterruptWatch& interrupt,
                     const std::string& lock_check, db::Connection* lock_session = nullptr);

}  // namespace pgsafe::runner
