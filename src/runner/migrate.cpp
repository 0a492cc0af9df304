// `pgsafe migrate`: the run, in the order DESIGN.md gives it. Once the
// runner lock is held, every outcome is recorded in the tracking tables
// and returned as a result; nothing is left half-done without a record.

#include "execute_step.hpp"
#include "interrupt.hpp"
#include "monitor.hpp"
#include "prepare.hpp"
#include "progress.hpp"
#include "reconcile.hpp"
#include "runner_lock.hpp"
#include "session.hpp"
#include "tracking.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/runner/runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <random>

namespace pgsafe::runner {
namespace {

using Clock = std::chrono::steady_clock;

// What a run that stops here leaves to do.
void add_pending(RunResult& result, const std::vector<source::MigrationFile>& files,
                 const Tracking& tracking) {
    for (const auto& f : files) {
        const TrackedMigration* t = tracking.find(f.version);
        bool applied_before = t != nullptr && t->state == "applied";
        bool applied_now = false;
        for (const auto& a : result.applied) applied_now = applied_now || a.version == f.version;
        if (!applied_before && !applied_now) result.pending.push_back(f.version);
    }
}

class Run {
public:
    Run(const RunOptions& options, InterruptWatch& interrupt, db::Connection& work)
        : m_options(options),
          m_interrupt(interrupt),
          m_work(work),
          m_progress(options.progress),
          m_monitor(options.conninfo, m_progress),
          m_random(std::random_device{}()) {}

    // Runs the prepared migrations in order; stops at the first failure.
    void run_all(const Prepared& prepared, RunResult& result) {
        for (const auto& m : prepared.migrations) {
            if (m_interrupt.interrupted()) {
                result.status = RunStatus::Interrupted;
                result.error = RunError{fmt::format("interrupted by {} before migration {}",
                                                    m_interrupt.signal_name(), m.file->version),
                                        m.file->version,
                                        std::nullopt,
                                        "",
                                        "",
                                        ErrorKind::Interrupted};
                return;
            }
            if (!run_one(m, result)) return;
        }
    }

private:
    bool run_one(const PreparedMigration& m, RunResult& result) {
        const std::string& version = m.file->version;
        auto started = Clock::now();
        AppliedMigration applied{version, m.file->name, 0, 0, 0, 0, m.action != Action::Start};
        const StoredStep* current = nullptr;
        StepOutcome outcome;
        try {
            in_tracking_transaction(m.setup_sql + "\n" +
                                    event_sql(applied.resumed ? "migration-resumed" : "migration-started",
                                              version, std::nullopt, {{"checksum", m.file->checksum}}));
            m_progress.note(fmt::format("migration {} {}{}: {} step{}", version, m.file->name,
                                        applied.resumed ? " (resuming)" : "", m.steps.size(),
                                        m.steps.size() == 1 ? "" : "s"));
            for (const auto& step : m.steps) {
                if (step.state == "applied") continue;
                current = &step;
                outcome = StepOutcome{};
                std::string label = step_label(*m.file, step, m.steps.size());
                m_progress.note(
                    fmt::format("  step {}/{}: {}", step.number, m.steps.size(), first_line(step.sql)));
                StepRun run{m_work, m_interrupt, m_progress, m_monitor, m_options, m_random};
                execute_step(run, version, label, step, outcome);
                ++applied.steps;
                applied.lock_wait_ms += outcome.lock_wait_ms;
                applied.retries += outcome.retries;
            }
            current = nullptr;
            in_tracking_transaction(migration_applied_sql(version) + "\n" +
                                    event_sql("migration-applied", version, std::nullopt, {}));
            applied.duration_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
            result.applied.push_back(applied);
            return true;
        } catch (const Error& e) {
            RunError error = run_error(e, version);
            if (current != nullptr) {
                error.step = current->number;
                if (current->line > 0)
                    error.location = fmt::format("{}:{}", m.file->path.string(), current->line);
                applied.lock_wait_ms += outcome.lock_wait_ms;
                applied.retries += outcome.retries;
            }
            record_failure(version, current, outcome, error, e);
            result.status = run_status_for(e.kind());
            result.error = error;
            return false;
        }
    }

    // "migrations/V3__fk.sql:4 (step 2/3)": where messages about the step point.
    static std::string step_label(const source::MigrationFile& file, const StoredStep& step,
                                  std::size_t steps) {
        std::string where = file.path.string();
        if (step.line > 0) where += fmt::format(":{}", step.line);
        return fmt::format("{} (step {}/{})", where, step.number, steps);
    }

    static std::string first_line(const std::string& sql) {
        std::string line = sql.substr(0, sql.find('\n'));
        return line.size() > 100 ? line.substr(0, 97) + "..." : line;
    }

    void in_tracking_transaction(const std::string& sql) {
        m_work.execute("BEGIN;\n" + sql + "\nCOMMIT;", "writing the tracking tables");
    }

    // The failure goes into the tracking tables, through a new session if the
    // old one is gone; if the server is gone too, the migration stays
    // "running" and the next run resumes it all the same.
    void record_failure(const std::string& version, const StoredStep* step, const StepOutcome& outcome,
                        const RunError& error, const Error& cause) {
        nlohmann::json detail = {{"message", error.message}, {"sqlstate", error.sqlstate}};
        if (error.step) detail["step"] = *error.step;
        if (!error.location.empty()) detail["location"] = error.location;
        std::string sql =
            (step != nullptr
                 ? step_failed_sql(version, step->number, outcome.lock_wait_ms, error.message) + "\n"
                 : std::string()) +
            migration_failed_sql(version, detail) + "\n" +
            event_sql(cause.kind() == ErrorKind::Interrupted ? "interrupted" : "migration-failed", version,
                      error.step, detail);
        const auto* db_error = dynamic_cast<const db::DatabaseError*>(&cause);
        try {
            if (db_error != nullptr && db_error->connection_lost()) {
                db::Connection fresh =
                    open_session(m_options.conninfo, "pgsafe migrate (recording a failure)");
                fresh.execute("BEGIN;\n" + sql + "\nCOMMIT;", "recording the failure");
            } else {
                in_tracking_transaction(sql);
            }
        } catch (const std::exception& e) {
            spdlog::warn(
                "could not record the failure in the tracking tables ({}); the next run resumes "
                "migration {} from its last recorded step",
                e.what(), version);
        }
    }

    const RunOptions& m_options;
    InterruptWatch& m_interrupt;
    db::Connection& m_work;
    Progress m_progress;
    StepMonitor m_monitor;
    std::mt19937_64 m_random;
};

}  // namespace

RunStatus run_status_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Refused: return RunStatus::Refused;
        case ErrorKind::LockTimeout: return RunStatus::LockTimeout;
        case ErrorKind::Interrupted: return RunStatus::Interrupted;
        default: return RunStatus::Failed;
    }
}

RunError run_error(const Error& e, const std::string& migration) {
    RunError out{e.what(), migration, std::nullopt, "", "", e.kind()};
    if (const auto* db = dynamic_cast<const db::DatabaseError*>(&e)) out.sqlstate = db->sqlstate();
    return out;
}

RunResult migrate(const std::vector<source::MigrationFile>& files, const RunOptions& options) {
    require_version(files, options.to);  // a typo in --to is a usage error, before connecting
    InterruptWatch interrupt;            // first, so every thread after it leaves SIGINT/SIGTERM to it
    db::Connection work = open_session(options.conninfo, "pgsafe migrate");  // steps and tracking writes
    RunnerLock lock(options.conninfo, options.lock_wait, interrupt);         // one runner per database
    ensure_tracking_schema(work);             // created or upgraded under the lock
    Tracking tracking = load_tracking(work);  // what ran before
    RunResult result;
    Reconciled todo = reconcile(files, tracking, {options.to, options.allow_out_of_order});  // drift, order
    if (todo.refusal) {
        work.execute(
            event_sql("refused", todo.refusal->version, std::nullopt, {{"reason", todo.refusal->message}}),
            "recording the refusal");
        result.status = RunStatus::Refused;
        result.error =
            RunError{todo.refusal->message, todo.refusal->version.value_or(""), std::nullopt, "", "",
                     ErrorKind::Refused};
        add_pending(result, files, tracking);
        return result;
    }
    Prepared prepared = prepare(todo, work, options.plan);  // plan every file before anything runs
    if (prepared.problem) {
        result.status = run_status_for(prepared.problem->kind());
        result.error = run_error(*prepared.problem, prepared.problem_version);
        add_pending(result, files, tracking);
        return result;
    }
    Run(options, interrupt, work).run_all(prepared, result);  // step by step, recorded as it goes
    add_pending(result, files, tracking);
    return result;
}

}  // namespace pgsafe::runner
