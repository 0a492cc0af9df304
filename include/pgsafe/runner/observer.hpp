#pragma once
// Who watches a run: the runner tells each observer in RunOptions what it
// does (a migration starts, a step starts, its statement is on the server,
// it waits for a lock, batches advance) and never depends on what they do
// with it. Progress on stderr and the step monitor (a second session
// watching long steps) are observers; so is --dry-run's script, and lock
// sampling for `pgsafe trace` plugs in the same way.

#include "pgsafe/sql/ir.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

struct MigrationView {
    std::string version;
    std::string name;
    std::string path;
    bool resumed = false;   // continues a run that died or failed
    std::size_t steps = 0;  // all of them, those applied before included
};

struct StepView {
    std::string version;  // of the migration
    int number = 0;       // 1-based
    std::size_t total = 0;
    std::string label;  // "migrations/V3__fk.sql:4 (step 2/3)": where messages about it point
    std::string sql;
    bool transactional = true;
    sql::LockMode lock_mode = sql::LockMode::None;
    std::vector<std::string> relations;  // "schema.table"
    std::optional<double> estimated_seconds;
    bool batched = false;  // runs key range by key range, one statement per batch
};

class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void migration_started(const MigrationView&) {}
    virtual void step_started(const StepView&) {}
    // The step's own SQL was sent in server process `pid` (0 when nothing
    // runs, as in --dry-run) and runs until statement_finished.
    virtual void statement_started(const StepView&, int /*pid*/) {}
    virtual void statement_finished(const StepView&) {}
    // A line for people: waiting for a lock (naming the blockers), dropping
    // an INVALID index, resuming batches.
    virtual void note(const std::string& /*text*/) {}
    // A batched step advanced; fraction of its key range done, in [0, 1].
    virtual void batch_progress(const StepView&, const std::string& /*text*/, double /*fraction*/) {}
    virtual void step_finished(const StepView&) {}
    virtual void migration_finished(const MigrationView&) {}
};

enum class ProgressStyle { Bar, Lines, Off };  // on a terminal, in a log, none

// What `pgsafe migrate` shows on stderr: the notes and progress, and a step
// monitor that watches each long statement from a second session on
// `conninfo` (index build phase and blocks, the sessions it waits for).
std::unique_ptr<RunObserver> console_observer(ProgressStyle style, const std::string& conninfo);

}  // namespace pgsafe::runner
