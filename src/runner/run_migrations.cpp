// The migrations a run prepared, one at a time: each checked by the policy
// right before it starts, its steps run and recorded as they go, a failure
// recorded (through a new session when the work session is gone). Runs of
// quick migrations go in one message instead (migration_batches.cpp).

#include "run_migrations.hpp"

#include "runner_lock.hpp"
#include "session.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace pgsafe::runner {
namespace {

using Clock = std::chrono::steady_clock;

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

}  // namespace

void Run::run_all(const Prepared& prepared, RunResult& result) {
    const auto& all = prepared.migrations;
    for (std::size_t i = 0; i < all.size();) {
        if (stopped_by_signal(all[i], result)) return;
        if (!passes_gate(all[i], result)) return;
        if (!batchable(all[i])) {
            if (!run_one(all[i], result)) return;
            ++i;
            continue;
        }
        std::vector<const PreparedMigration*> group{&all[i]};
        std::size_t bytes = all[i].setup_sql.size();
        bool refused = false;
        bool across = m_options.gate == nullptr || m_options.gate->time_independent();
        while (across && i + group.size() < all.size() && bytes < k_batch_bytes &&
               !m_interrupt.interrupted()) {
            const PreparedMigration& next = all[i + group.size()];
            if (!batchable(next)) break;
            if (!passes_gate(next, result)) {
                refused = true;  // the group runs first, then the refusal stops the run
                break;
            }
            group.push_back(&next);
            bytes += next.setup_sql.size();
        }
        if (!run_group(group, result) || refused) return;
        i += group.size();
    }
}

bool Run::stopped_by_signal(const PreparedMigration& m, RunResult& result) {
    if (!m_interrupt.interrupted()) return false;
    result.status = RunStatus::Interrupted;
    result.error = RunError{
        fmt::format("interrupted by {} before migration {}", m_interrupt.signal_name(), m.file->version),
        m.file->version,
        std::nullopt,
        "",
        "",
        ErrorKind::Interrupted,
        {}};
    return true;
}

// The policy, asked right before the migration starts (time passes during a run):
// a refusal is recorded and stops the run with nothing of this migration touched.
bool Run::passes_gate(const PreparedMigration& m, RunResult& result) {
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

bool Run::run_one(const PreparedMigration& m, RunResult& result, const BatchStop* stop) {
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
        start.sql = start_record_sql(
            m_lock_check, start_records_sql(m, applied.resumed ? "migration-resumed" : "migration-started"),
            version);
        start.version = version;
        start.committed = stop != nullptr && stop->started;
        const std::string applied_sql = applied_records_sql(version);
        const StoredStep* last = nullptr;
        for (const auto& step : m.steps)
            if (step.state != StepState::Applied) last = &step;
        bool recorded = false;
        std::size_t alone_until = 0;  // a step a batch stopped at with a retryable error runs on its own
        if (last == nullptr) {        // nothing left to run: started and applied, in one round trip
            m_work.execute(start.sql + "\n" + own_transaction_sql(m_lock_check + applied_sql),
                           "writing the tracking tables");
            start.committed = recorded = true;
        }
        for (std::size_t i = 0; i < m.steps.size(); ++i) {
            const StoredStep& step = m.steps[i];
            if (step.state == StepState::Applied) continue;
            if (start.committed && i >= alone_until && (stop == nullptr || i > stop->step)) {
                std::size_t to = quick_steps_from(m, i);
                if (to - i >= 2) {            // consecutive quick steps: one message (migration_batches.cpp)
                    outcome = StepOutcome{};  // none of them waits or retries
                    std::size_t done = run_steps_together(m, i, to, applied_sql, current);
                    applied.steps += static_cast<int>(done);
                    if (i + done < to) alone_until = i + done + 1;  // stopped by a lock timeout
                    if (done > 0) {
                        if (i + done == m.steps.size()) recorded = true;  // with the last step's record
                        i += done - 1;  // the loop's ++i goes on at the first step not done
                        continue;
                    }
                }
            }
            current = &step;
            outcome = StepOutcome{};
            StepView view = view_of(*m.file, step, m.steps.size());
            m_observers.step_started(view);
            if (stop != nullptr && i < stop->step) {  // committed in the batch
                m_observers.step_finished(view);
                m_session_changes.saw(view);
                ++applied.steps;
                continue;
            }
            StepRun run{m_work, m_interrupt, m_observers, m_options, m_random, m_lock_check};
            run.session_changed = m_session_changes.read_only_possible();
            try {
                if (stop != nullptr && i == stop->step) stopped_at(view, *stop);
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
        if (db_error != nullptr && !db_error->connection_lost()) error.message += m_session_changes.explain();
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

// What starts migration `m`'s record: its setup (tracking rows, plan record)
// and its `kind` event ("migration-started" or "migration-resumed").
std::string Run::start_records_sql(const PreparedMigration& m, const char* kind) {
    return m.setup_sql + "\n" +
           event_sql(kind, m.file->version, std::nullopt, {{"checksum", m.file->checksum}});
}

// What ends migration `version`'s record: applied, and its event.
std::string Run::applied_records_sql(const std::string& version) {
    return migration_applied_sql(version) + "\n" + event_sql("migration-applied", version, std::nullopt, {});
}

// What observers see of a step; its label, "migrations/V3__fk.sql:4 (step 2/3)", is
// where messages about it point.
StepView Run::view_of(const source::MigrationFile& file, const StoredStep& step, std::size_t steps) {
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

void Run::in_tracking_transaction(const std::string& sql) {
    m_work.execute(own_transaction_sql(m_lock_check + sql), "writing the tracking tables");
}

// The failure goes into the tracking tables, through a new session if the
// old one is gone; if the server is gone too, the migration stays
// "running" and the next run resumes it all the same.
bool Run::record_failure(const std::string& version, const StoredStep* step, const StepOutcome& outcome,
                         const RunError& error, const Error& cause) {
    nlohmann::json detail = {{"message", error.message}, {"sqlstate", error.sqlstate}};
    if (error.step) detail["step"] = *error.step;
    if (!error.location.empty()) detail["location"] = error.location;
    std::string sql =
        (step != nullptr ? step_failed_sql(version, step->number, outcome.lock_wait_ms, error.message) + "\n"
                         : std::string()) +
        migration_failed_sql(version, detail) + "\n" +
        event_sql(cause.kind() == ErrorKind::Interrupted ? "interrupted" : "migration-failed", version,
                  error.step, detail);
    const auto* db_error = dynamic_cast<const db::DatabaseError*>(&cause);
    if (db_error != nullptr && db_error->sqlstate() == k_lost_lock_sqlstate) {
        // Another runner may hold the lock now and own the migration's
        // state: leave it alone, and leave only an event.
        try {
            m_work.execute("ROLLBACK;\n" + own_transaction_sql(
                                               event_sql("runner-lock-lost", version, error.step, detail)),
                           "recording the lost runner lock");
        } catch (const std::exception& e) {
            spdlog::warn("could not record the lost runner lock ({})", e.what());
        }
        return false;
    }
    try {
        if (db_error != nullptr && db_error->connection_lost()) {
            db::Connection fresh = open_session(m_options.conninfo, "pgsafe migrate (recording a failure)");
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
}  // namespace pgsafe::runner
