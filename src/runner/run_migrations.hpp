#pragma once
// The prepared migrations of a run, step by step and recorded as they go
// (Run): each one on its own (run_migrations.cpp), or consecutive quick ones
// together in one message (migration_batches.cpp). run_locked (migrate.cpp)
// makes one Run once the runner lock is held.

#include "execute_step.hpp"
#include "executor.hpp"
#include "interrupt.hpp"
#include "prepare.hpp"
#include "session_changes.hpp"
#include "session_reset.hpp"
#include "tracking.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/runner/observer.hpp"
#include "pgsafe/runner/runner.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace pgsafe::runner {

inline const std::string k_application_name = "pgsafe migrate";  // the work session's, in pg_stat_activity

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

// Where a batch stopped inside a migration: the steps before `step` (an
// index into its steps) committed, and its start record when `started`;
// `error` stopped step `step` (or the start record).
struct BatchStop {
    std::size_t step = 0;
    bool started = false;
    const db::DatabaseError* error = nullptr;
};

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
    // Consecutive migrations whose steps are all quick and in transactions
    // go in one message (run_group), each step still its own transaction
    // with its record and the runner-lock checks.
    void run_all(const Prepared& prepared, RunResult& result);

private:
    // One migration at a time (run_migrations.cpp).
    bool stopped_by_signal(const PreparedMigration& m, RunResult& result);
    bool passes_gate(const PreparedMigration& m, RunResult& result);
    bool run_one(const PreparedMigration& m, RunResult& result, const BatchStop* stop = nullptr);
    static StepView view_of(const source::MigrationFile& file, const StoredStep& step, std::size_t steps);
    static std::string start_records_sql(const PreparedMigration& m, const char* kind);
    static std::string applied_records_sql(const std::string& version);
    void in_tracking_transaction(const std::string& sql);
    bool record_failure(const std::string& version, const StoredStep* step, const StepOutcome& outcome,
                        const RunError& error, const Error& cause);

    // Several migrations in one message (migration_batches.cpp): a batch's
    // items are each migration's start record, then each of its steps.
    struct BatchItem {
        const PreparedMigration* migration;
        std::size_t step;  // index in its steps; unused for the start record
        bool start;
        long long mark;
    };
    // At most this much SQL in one batch, so that a batch stays one quick message.
    static constexpr std::size_t k_batch_bytes = 1 << 20;
    bool batches_allowed() const;
    bool batchable(const PreparedMigration& m) const;
    bool quick(const StoredStep& step) const;
    std::size_t quick_steps_from(const PreparedMigration& m, std::size_t from) const;
    std::size_t run_steps_together(const PreparedMigration& m, std::size_t from, std::size_t to,
                                   const std::string& applied_sql, const StoredStep*& current);
    bool run_group(const std::vector<const PreparedMigration*>& group, RunResult& result);
    void send(const std::string& message);
    void batched_done(const PreparedMigration& m, std::size_t steps, long long ms, RunResult& result);
    void steps_done(const PreparedMigration& m, std::size_t from, std::size_t to);
    bool group_stopped(const std::vector<const PreparedMigration*>& group,
                       const std::vector<BatchItem>& items, const db::DatabaseError& e, RunResult& result);
    std::optional<std::size_t> committed_items(const std::vector<BatchItem>& items);
    std::optional<std::size_t> committed_before_loss(const std::vector<BatchItem>& items);
    bool go_on_from(const std::vector<const PreparedMigration*>& group, const std::vector<BatchItem>& items,
                    std::size_t at, const db::DatabaseError& e, RunResult& result);
    void stopped_at(const StepView& view, const BatchStop& stop);

    const RunOptions& m_options;
    InterruptWatch& m_interrupt;
    Executor& m_work;
    Observers m_observers;
    std::mt19937_64 m_random;
    std::string m_lock_check;
    SessionChanges m_session_changes;
    SessionReset m_session_reset;
    long long m_mark = 0;                               // the last mark a batch's transaction sets (mark_sql)
    mutable std::map<const StoredStep*, bool> m_quick;  // quick_step's answers (migration_batches.cpp)
    // The error that lost the work session while reading a batch's mark.
    db::DatabaseError m_lost{ErrorKind::Database, "", "", db::DatabaseError::Lost::Yes};
};

}  // namespace pgsafe::runner
