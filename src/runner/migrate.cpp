// `pgsafe migrate`: the run, in the order DESIGN.md gives it. Once the
// runner lock is held, every outcome is recorded in the tracking tables
// and returned as a result; nothing is left half-done without a record.
// Statements go through an Executor (executor.hpp) and observers hear of
// each step (observer.hpp), so --dry-run runs this same code.

#include "coexist.hpp"
#include "execute_step.hpp"
#include "executor.hpp"
#include "interrupt.hpp"
#include "prepare.hpp"
#include "reconcile.hpp"
#include "repeatables.hpp"
#include "run.hpp"
#include "runner_lock.hpp"
#include "session.hpp"
#include "session_changes.hpp"
#include "session_reset.hpp"
#include "tracking.hpp"
#include "tracking_access.hpp"

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

const std::string k_application_name = "pgsafe migrate";  // the work session's, in pg_stat_activity

// Tells every observer of the run, in the order RunOptions lists them.
class Observers : public RunObserver {
public:
    explicit Observers(const std::vector<RunObserver*>& all) : m_all(all) {}
    void migration_started(const MigrationView& m) override {
        each([&](RunObserver& o) { o.migration_started(m); });
    }
    void step_started(const StepView& s) override {
        each([&](RunObserver& o) { o.step_started(s); });
    }
    void statement_started(const StepView& s, int pid) override {
        each([&](RunObserver& o) { o.statement_started(s, pid); });
    }
    void statement_finished(const StepView& s) override {
        each([&](RunObserver& o) { o.statement_finished(s); });
    }
    void note(const std::string& text) override {
        each([&](RunObserver& o) { o.note(text); });
    }
    void batch_progress(const StepView& s, const std::string& text, double fraction) override {
        each([&](RunObserver& o) { o.batch_progress(s, text, fraction); });
    }
    void step_finished(const StepView& s) override {
        each([&](RunObserver& o) { o.step_finished(s); });
    }
    void migration_finished(const MigrationView& m) override {
        each([&](RunObserver& o) { o.migration_finished(m); });
    }

private:
    template <typename F>
    void each(F&& f) {
        for (RunObserver* o : m_all)
            if (o != nullptr) f(*o);
    }
    const std::vector<RunObserver*>& m_all;
};

// What a run that stops here leaves to do.
void add_pending(RunResult& result, const std::vector<source::MigrationFile>& files,
                 const Tracking& tracking) {
    for (const auto& f : files) {
        const TrackedMigration* t = tracking.find(f.version);
        bool applied_before = t != nullptr && t->state == TrackedState::Applied && !outdated_repeatable(f, t);
        bool applied_now = false;
        for (const auto& a : result.applied) applied_now = applied_now || a.version == f.version;
        if (!applied_before && !applied_now) result.pending.push_back(f.version);
    }
}

// What a run whose work session was lost left in the tracking tables, for its error message.
std::string lost_connection_record(const std::string& version, const StoredStep* step, bool recorded) {
    std::string where = step != nullptr ? fmt::format("step {}", step->number) : "its tracking write";
    if (recorded)
        return fmt::format(
            "; recorded through a new connection: migration {} failed at {}; the next run checks what "
            "that step did and resumes there",
            version, where);
    return fmt::format(
        "; nothing more could be recorded (the server did not answer a new connection): migration {} "
        "stays as last recorded, and the next run resumes it from its last recorded step",
        version);
}

class Run {
public:
    Run(const RunOptions& options, InterruptWatch& interrupt, Executor& work, const std::string& lock_check)
        : m_options(options),
          m_interrupt(interrupt),
          m_work(work),
          m_observers(options.observers),
          m_random(std::random_device{}()),
          m_lock_check(lock_check) {}

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
                                        ErrorKind::Interrupted,
                                        {}};
                return;
            }
            if (!passes_gate(m, result)) return;
            if (!run_one(m, result)) return;
        }
    }

private:
    // The policy, asked right before the migration starts (time passes during a run):
    // a refusal is recorded and stops the run with nothing of this migration touched.
    bool passes_gate(const PreparedMigration& m, RunResult& result) {
        if (m_options.gate == nullptr) return true;
        GateInput input{
            m.file, m.risk, m.rules, 0.0, m.action == Action::Resume, [this](std::chrono::milliseconds d) {
                return m_interrupt.sleep_for(d);
            }};
        for (const auto& step : m.steps) {
            if (step.state == StepState::Applied) continue;
            if (!step.estimated_seconds) input.estimated_seconds.reset();
            if (input.estimated_seconds) *input.estimated_seconds += *step.estimated_seconds;
        }
        GateDecision decision;
        try {
            decision = m_options.gate->check(input);
            std::string sql;
            for (const auto& [kind, detail] : decision.events)
                sql += event_sql(kind, m.file->version, std::nullopt, detail) + "\n";
            if (!sql.empty()) in_tracking_transaction(sql);
        } catch (const Error& e) {
            result.status = run_status_for(e.kind());
            result.error = run_error(e, m.file->version);
            return false;
        }
        if (decision.refusals.empty()) return true;
        RefusedError error(decision.refusals);
        result.status = RunStatus::Refused;
        result.error = run_error(error, m.file->version);
        return false;
    }

    bool run_one(const PreparedMigration& m, RunResult& result) {
        const std::string& version = m.file->version;
        auto started = Clock::now();
        AppliedMigration applied{version, m.file->name, 0, 0, 0, 0, m.action != Action::Start};
        MigrationView seen{version, m.file->name, m.file->path.string(), applied.resumed, m.steps.size()};
        const StoredStep* current = nullptr;
        StepOutcome outcome;
        StartRecord start;
        try {
            m_observers.migration_started(seen);
            // From the session pgsafe opened (session_reset.hpp); on a resume, with the settings
            // its completed steps made (resume_session.hpp).
            std::string session_sql = m_session_reset.take(k_application_name) + m.session_sql;
            m_session_reset.saw(m.session_sql);
            if (!session_sql.empty()) m_work.execute(session_sql, "preparing the session for the migration");
            // The start record goes in the first step's round trip (execute_step.hpp).
            start.sql =
                start_record_sql(m_lock_check,
                                 m.setup_sql + "\n" +
                                     event_sql(applied.resumed ? "migration-resumed" : "migration-started",
                                               version, std::nullopt, {{"checksum", m.file->checksum}}),
                                 version);
            start.version = version;
            const std::string applied_sql = migration_applied_sql(version) + "\n" +
                                            event_sql("migration-applied", version, std::nullopt, {});
            const StoredStep* last = nullptr;
            for (const auto& step : m.steps)
                if (step.state != StepState::Applied) last = &step;
            bool recorded = false;
            if (last == nullptr) {  // nothing left to run: started and applied, in one round trip
                m_work.execute(start.sql + "\n" + own_transaction_sql(m_lock_check + applied_sql),
                               "writing the tracking tables");
                start.committed = recorded = true;
            }
            for (const auto& step : m.steps) {
                if (step.state == StepState::Applied) continue;
                current = &step;
                outcome = StepOutcome{};
                StepView view = view_of(*m.file, step, m.steps.size());
                m_observers.step_started(view);
                StepRun run{m_work, m_interrupt, m_observers, m_options, m_random, m_lock_check};
                run.session_changed = m_session_changes.read_only_possible();
                try {
                    recorded = execute_step(run, view, step, outcome,
                                            m.action == Action::Start ? EarlierRun::No : EarlierRun::Yes,
                                            &step == last ? applied_sql : std::string(), &start);
                    recorded = recorded && &step == last;
                } catch (...) {
                    m_observers.step_finished(view);
                    throw;
                }
                m_observers.step_finished(view);
                m_session_changes.saw(view);
                m_session_reset.saw(step.sql);
                ++applied.steps;
                applied.lock_wait_ms += outcome.lock_wait_ms;
                applied.retries += outcome.retries;
            }
            current = nullptr;
            if (!recorded) in_tracking_transaction(applied_sql);
            applied.duration_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
            result.applied.push_back(applied);
            m_observers.migration_finished(seen);
            return true;
        } catch (const Error& e) {
            if (!start.committed) current = nullptr;  // the start record failed: no step ran
            RunError error = run_error(e, version);
            const auto* db_error = dynamic_cast<const db::DatabaseError*>(&e);
            if (db_error != nullptr && !db_error->connection_lost())
                error.message += m_session_changes.explain();
            if (current != nullptr) {
                error.step = current->number;
                if (current->line > 0)
                    error.location = fmt::format("{}:{}", m.file->path.string(), current->line);
                applied.lock_wait_ms += outcome.lock_wait_ms;
                applied.retries += outcome.retries;
            }
            bool recorded = record_failure(version, current, outcome, error, e);
            if (db_error != nullptr && db_error->connection_lost())
                error.message += lost_connection_record(version, current, recorded);
            result.status = run_status_for(e.kind());
            result.error = error;
            m_observers.migration_finished(seen);
            return false;
        }
    }

    // What observers see of a step; its label, "migrations/V3__fk.sql:4 (step 2/3)", is
    // where messages about it point.
    static StepView view_of(const source::MigrationFile& file, const StoredStep& step, std::size_t steps) {
        std::string where = file.path.string();
        if (step.line > 0) where += fmt::format(":{}", step.line);
        return StepView{file.version,
                        step.number,
                        steps,
                        fmt::format("{} (step {}/{})", where, step.number, steps),
                        step.sql,
                        step.transactional,
                        step.lock_mode,
                        step.relations,
                        step.estimated_seconds,
                        step.batch.has_value()};
    }

    void in_tracking_transaction(const std::string& sql) {
        m_work.execute(own_transaction_sql(m_lock_check + sql), "writing the tracking tables");
    }

    // The failure goes into the tracking tables, through a new session if the
    // old one is gone; if the server is gone too, the migration stays
    // "running" and the next run resumes it all the same.
    bool record_failure(const std::string& version, const StoredStep* step, const StepOutcome& outcome,
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
        if (db_error != nullptr && db_error->sqlstate() == k_lost_lock_sqlstate) {
            // Another runner may hold the lock now and own the migration's
            // state: leave it alone, and leave only an event.
            try {
                m_work.execute("ROLLBACK;\n" + own_transaction_sql(event_sql("runner-lock-lost", version,
                                                                             error.step, detail)),
                               "recording the lost runner lock");
            } catch (const std::exception& e) {
                spdlog::warn("could not record the lost runner lock ({})", e.what());
            }
            return false;
        }
        try {
            if (db_error != nullptr && db_error->connection_lost()) {
                db::Connection fresh =
                    open_session(m_options.conninfo, "pgsafe migrate (recording a failure)");
                fresh.execute(own_transaction_sql(m_lock_check + sql),
                              "recording the failure");  // the work session is gone
            } else {
                in_tracking_transaction(sql);
            }
            return true;
        } catch (const std::exception& e) {
            spdlog::warn(
                "could not record the failure in the tracking tables ({}); the next run resumes "
                "migration {} from its last recorded step",
                e.what(), version);
            return false;
        }
    }

    const RunOptions& m_options;
    InterruptWatch& m_interrupt;
    Executor& m_work;
    Observers m_observers;
    std::mt19937_64 m_random;
    std::string m_lock_check;
    SessionChanges m_session_changes;
    SessionReset m_session_reset;
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
    RunError out{e.what(), migration, std::nullopt, "", "", e.kind(), {}};
    if (const auto* db = dynamic_cast<const db::DatabaseError*>(&e)) out.sqlstate = db->sqlstate();
    if (const auto* refused = dynamic_cast<const RefusedError*>(&e)) out.refusals = refused->refusals();
    return out;
}

// Every refusal, however it arose, is recorded the same way ("refused"
// events, in one transaction) and ends the run with status refused.
void refuse(Executor& work, const std::vector<Refusal>& refusals, RunResult& result) {
    std::string sql;
    for (const auto& r : refusals) sql += refusal_event_sql(r) + "\n";
    work.execute(own_transaction_sql(sql), "recording the refusal");
    RefusedError error(refusals);
    result.status = RunStatus::Refused;
    result.error = run_error(error, refusals.front().version.value_or(""));
}

// Refused, and not recorded: writing to the schema could fire what is in it.
RunResult untrusted_tracking_schema(const std::vector<std::string>& problems,
                                    const std::vector<source::MigrationFile>& files) {
    Refusal refusal{"untrusted-tracking-schema",
                    fmt::format("the tracking schema pgsafe cannot be trusted, so nothing ran: {}",
                                fmt::join(problems, "; ")),
                    "if pgsafe made it, remove what is listed (or DROP SCHEMA pgsafe CASCADE if it holds no "
                    "history you need), then run again",
                    std::nullopt};
    RefusedError error({refusal});
    RunResult result;
    result.status = RunStatus::Refused;
    result.error = run_error(error, "");
    for (const auto& f : files) result.pending.push_back(f.version);
    return result;
}

RunResult run_locked(const std::vector<source::MigrationFile>& files, const RunOptions& options,
                     Executor& work, db::Connection& reads, InterruptWatch& interrupt,
                     const std::string& lock_check) {
    require_tracking_access(reads, TrackingUse::Run);  // the owner and the fix, not "permission denied"
    std::vector<std::string> distrust = tracking_schema_problems(reads);  // before anything in it can fire
    if (!distrust.empty()) return untrusted_tracking_schema(distrust, files);
    ensure_tracking_schema(work, installed_tracking_version(reads));  // created or upgraded under the lock
    auto old_tools =
        coexist_with_old_tools(reads, options.conninfo, options.lock_wait, interrupt,
                               !lock_check.empty());  // the adopted-from tool's lock, while it lives
    Tracking tracking = load_tracking(reads);         // what ran before
    RunResult result;
    Reconciled todo =
        reconcile(files, tracking,
                  {options.to, options.allow_out_of_order, options.allow_same_content});  // drift, order
    if (!todo.refusals.empty()) {
        refuse(work, todo.refusals, result);
        add_pending(result, files, tracking);
        return result;
    }
    Prepared prepared = prepare(todo, reads, options.plan);  // plan every file before anything runs
    if (prepared.parse_error) {
        result.status = run_status_for(prepared.parse_error->kind());
        result.error = run_error(*prepared.parse_error, prepared.parse_error_version);
    } else if (!prepared.refusals.empty()) {
        refuse(work, prepared.refusals, result);
    } else {
        Run(options, interrupt, work, lock_check)
            .run_all(prepared, result);  // step by step, recorded as it goes
    }
    add_pending(result, files, tracking);
    return result;
}

RunResult migrate(const std::vector<source::MigrationFile>& files, const RunOptions& options) {
    require_version(files, options.to);  // a typo in --to is a usage error, before connecting
    InterruptWatch interrupt;            // first, so every thread after it leaves SIGINT/SIGTERM to it
    db::Connection session = open_session(options.conninfo, k_application_name);  // steps and tracking writes
    RunnerLock lock(options.conninfo, options.lock_wait, interrupt);              // one runner per database
    ConnectionExecutor work(session);
    return run_locked(files, options, work, session, interrupt, lock.check_sql());
}

}  // namespace pgsafe::runner
