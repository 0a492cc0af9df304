#pragma once
// What `migrate` should do with each migration file, given what the tracking
// tables say ran before: skip it (applied), resume it (a run that died or
// failed, same file), retry it after the file was fixed (failed, file
// changed), start it, or refuse the whole run (an applied file changed:
// drift; a new file that sorts before an applied one: out of order). Pure.

#include "tracking.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

enum class Action {
    Start,   // never ran
    Resume,  // ran before (died or failed) with the same checksum: continue at its first unfinished step
    RetryChanged,  // failed, and its file changed since: replan, keep the steps already applied
    Rerun,         // a Flyway repeatable applied before whose checksum changed: replan, run it all again
};

struct Work {
    const source::MigrationFile* file = nullptr;
    Action action = Action::Start;
    const TrackedMigration* tracked = nullptr;  // Resume, RetryChanged
};

struct Reconciled {
    std::vector<Work> work;         // in apply order, up to --to; empty when refused
    std::vector<Refusal> refusals;  // every reason, in file order (codes "drift", "out-of-order",
                                    // "renamed-version", "same-as-applied")
    // All the migration files given to reconcile() (a resume plans again those
    // planned before it in its first run).
    const std::vector<source::MigrationFile>* files = nullptr;
};

struct ReconcileOptions {
    std::optional<std::string> to;  // apply up to and including this version
    bool allow_out_of_order = false;
    bool allow_same_content = false;  // run a new file whose checksum is an applied migration's
};

// Throws pgsafe::Error (Usage) when `to` names no migration file.
void require_version(const std::vector<source::MigrationFile>& files, const std::optional<std::string>& to);

// Throws as require_version does.
Reconciled reconcile(const std::vector<source::MigrationFile>& files, const Tracking& tracking,
                     const ReconcileOptions& options);

}  // namespace pgsafe::runner
