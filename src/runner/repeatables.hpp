#pragma once
// Flyway repeatable migrations (R__<description>.sql, tracked as
// "R__<description>"): which ones a run applies, and the tracking writes
// of a rerun. Flyway's rule, kept: after every versioned migration, in
// description order, each repeatable whose checksum differs from the one
// last applied (never applied: it runs). A changed repeatable is therefore
// work, not drift. docs/adopt.md, "Flyway repeatables".

#include "reconcile.hpp"
#include "tracking.hpp"

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/source/repeatable.hpp"

#include <string>
#include <vector>

namespace pgsafe::runner {

// True when `file` is a repeatable whose content changed since it was last
// applied: it is pending again (status shows it so; migrate reruns it).
bool outdated_repeatable(const source::MigrationFile& file, const TrackedMigration* tracked);

// Appends the repeatables of `files` that a run applies, after the versioned
// work (as Flyway does, also with --to): never applied (Start), changed since
// it was applied (Rerun), or a run that died or failed (Resume, RetryChanged).
void add_repeatables(const std::vector<source::MigrationFile>& files, const Tracking& tracking,
                     Reconciled& out);

// The tracking writes that start a rerun: the row back to 'running' with the
// new checksum and plan, its old steps replaced by the new ones (the earlier
// runs stay in pgsafe.events).
std::string rerun_repeatable_sql(const plan::MigrationPlan& plan, const std::string& plan_record,
                                 const std::vector<StoredStep>& steps);

}  // namespace pgsafe::runner
