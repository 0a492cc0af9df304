#pragma once
// `pgsafe migrate` and `pgsafe status`: run the pending migrations' plans
// against the target database (DESIGN.md, "Running a step"), print what a
// run would execute (--dry-run), or report what the tracking tables say.

#include "pgsafe/config/settings.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/runner/result.hpp"
#include "pgsafe/source/migration.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

enum class ProgressStyle { Bar, Lines, Off };  // on a terminal, in a log, none

struct RunOptions {
    std::string conninfo;  // "" = libpq's PG* variables
    plan::PlanOptions plan;
    std::optional<std::string> to;  // apply up to and including this version
    bool allow_out_of_order = false;
    std::chrono::milliseconds lock_wait{std::chrono::minutes(5)};  // for the runner lock
    config::Retry retry;  // lock-timeout retries: backoff and deadline
    config::Run run;      // batch pause, blocker queries shown or not
    ProgressStyle progress = ProgressStyle::Lines;
};

// What an error means for a run's status: refused, lock_timeout, interrupted, else failed.
RunStatus run_status_for(ErrorKind kind);
// The error as the result reports it, with its SQLSTATE when the server sent one.
RunError run_error(const Error& error, const std::string& migration);

// Applies the migrations that have not been applied, in order. Never throws
// for what happens once the runner lock is held: the result says what was
// applied and what failed. Throws pgsafe::Error before that (cannot connect:
// Database; runner lock busy: LockTimeout; signal: Interrupted).
RunResult migrate(const std::vector<source::MigrationFile>& files, const RunOptions& options);

// The SQL a run would execute now, tracking-table writes included; changes nothing.
std::string dry_run(const std::vector<source::MigrationFile>& files, const RunOptions& options);

// Applied, pending, failed, running and drifted migrations. Read-only.
StatusReport status(const std::vector<source::MigrationFile>& files, const std::string& conninfo);

}  // namespace pgsafe::runner
