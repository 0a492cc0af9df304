// `pgsafe migrate`: the run, in the order DESIGN.md gives it. Once the
// runner lock is held, every outcome is recorded in the tracking tables
// and returned as a result; nothing is left half-done without a record.
// Statements go through an Executor (executor.hpp) and observers hear of
// each step (observer.hpp), so --dry-run runs this same code.

#include "coexist.hpp"
#include "execute_step.hpp"
#include "executor.hpp"
#include "fresh_start.hpp"
#include "interrupt.hpp"
#include "prepare.hpp"
#include "reconcile.hpp"
#include "repeatables.hpp"
#include "run.hpp"
#include "runner_lock.hpp"
#include "session.hpp"
#include "session_changes.hpp"
#include "session_reset.hpp"
#include "sql_text.hpp"
#include "tracking.hpp"
#include "tracking_access.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/runner/runner.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <set>

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

// What batches of steps (Run::run_group) say while they run, so that an
// error can be told as the error of the step it stopped at.
const std::string k_batch_doing = "pgsafe batch";
const std::string k_mark_setting = "pgsafe.mark";
// At most this much SQL in one batch, so that a batch stays one quick message.
constexpr std::size_t k_batch_bytes = 1 << 20;
// A step the plan expects to take this long or longer runs on its own (watched by the monitor).
constexpr double k_batch_step_seconds = 1.0;

// The transaction that commits it sets the mark, so that after an error the
// session tells which of a batch's transactions committed (a rolled-back
// set_config is undone).
std::string mark_sql(long long mark) {
    return fmt::format("SELECT pg_catalog.set_config('{}', '{}', false);", k_mark_setting, mark);
}

// Where a batch stopped inside a migration: the steps before `step` (an
// index into its steps) committed, and its start record when `started`;
// `error` stopped step `step` (or the start record).
struct BatchStop {
    std::size_t step = 0;
    bool started = false;
    const db::DatabaseError* error = nullptr;
};

// A batch's error as the error of the step it stopped at.
db::DatabaseError relabeled(const db::DatabaseError& e, const std::string& label) {
    std::string text = e.what();
    if (text.rfind(k_batch_doing, 0) == 0) text = label + text.substr(k_batch_doing.size());
    return db::DatabaseError(
        e.kind(), text, e.sqlstate(),
        e.connection_lost() ? db::DatabaseError::Lost::Yes : db::DatabaseError::Lost::No);
}

// What starts migration `m`'s record: its setup (tracking rows, plan record)
// and its `kind` event ("migration-started" or "migration-resumed").
std::string start_records_sql(const PreparedMigration& m, const char* kind) {
    return m.setup_sql + "\n" +
           event_sql(kind, m.file->version, std::nullopt, {{"checksum", m.file->checksum}});
}

// What ends migration `version`'s record: applied, and its event.
std::string applied_records_sql(const std::string& version) {
    return migration_applied_sql(version) + "\n" + event_sql("migration-applied", version, std::nullopt, {});
}

// "V3__x.sql:4 (step 2/3): ALTER TABLE …" on one line, for the batch's leading comment.
std::string first_line(const std::string& text) {
    std::string out = text.substr(0, text.find_first_of("\r\n"));
    if (out.size() <= 200) return out;
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    return out.substr(0, cut) + "...";
}

// Statements that only define something (a comment, a function's body, a
// type, a trigger, a schema) or drop a definition: the analysis names no
// table lock for them, yet they run none of the migration's code and are
// quick, so they may go in a batch (their lock_timeout still holds, and a
// lock timeout is retried). A DO block, a SELECT or CALL of a function, a
// SET, and every other statement without a known lock run on their own.
bool definition_only(const StoredStep& step) {
    static const std::set<std::string> k_kinds = {"CommentStmt",
                                                  "CreateFunctionStmt",
                                                  "CreateSchemaStmt",
                                                  "CreateEnumStmt",
                                                  "CompositeTypeStmt",
                                                  "CreateDomainStmt",
                                                  "CreateRangeStmt",
                                                  "DefineStmt",
                                                  "CreateExtensionStmt",
                                                  "GrantStmt",
                                                  "AlterFunctionStmt",
                                                  "CreateSeqStmt",
                                                  "AlterSeqStmt",
                                                  "AlterEnumStmt",
                                                  "ViewStmt",
                                                  "CreateTrigStmt",
                                                  "DropStmt"};
    sql::ParsedFile parsed = sql::parse_sql(step.sql, {sql::KeepTree::No});
    return parsed.ok() && parsed.statements.size() == 1 && k_kinds.count(parsed.statements.front().kind) > 0;
}

bool retryable_in_step(const std::string& sqlstate) {
    return sqlstate == "55P03" || sqlstate == "40P01";  // as execute_step's attempt loop retries
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
    // Consecutive migrations whose steps are all quick and in transactions
    // go in one message (run_group), each step still its own transaction
    // with its record and the runner-lock checks.
    void run_all(const Prepared& prepared, RunResult& result) {
        const auto& all = prepared.migrations;
        for (std::size_t i = 0; i < all.size();) {
            if (stopped_by_signal(all[i], result)) return;
            if (!passes_gate(all[i], result)) return;
            SessionChanges changes = m_session_changes;
            if (!batchable(all[i], changes)) {
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
                SessionChanges after = changes;
                if (!batchable(next, after)) break;
                if (!passes_gate(next, result)) {
                    refused = true;  // the group runs first, then the refusal stops the run
                    break;
                }
                changes = after;
                group.push_back(&next);
                bytes += next.setup_sql.size();
            }
            if (!run_group(group, result) || refused) return;
            i += group.size();
        }
    }

private:
    bool stopped_by_signal(const PreparedMigration& m, RunResult& result) {
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

    // A migration that can go in a batch: new to the tracking tables, every
    // step in a transaction of its own, none in batches of rows, each one
    // whose locks the analysis knows and that the plan expects to be quick
    // (a statement it cannot tell, a DO block or a function call, runs on
    // its own, watched by the monitor and shown as itself in
    // pg_stat_activity), none that may make transactions read-only
    // (`changes` sees its steps), none that changes the session and not
    // after one that did (each migration starts from the session pgsafe
    // opened, session_reset.hpp; run_one resets it), and not --dry-run.
    bool batchable(const PreparedMigration& m, SessionChanges& changes) const {
        if (m_lock_check.empty() || !m.fresh || m.action != Action::Start || m.steps.empty()) return false;
        if (m_session_reset.pending() || !m.session_sql.empty()) return false;
        if (changes.read_only_possible()) return false;
        for (const auto& step : m.steps) {
            if (step.state == StepState::Applied || !step.transactional || step.batch) return false;
            if (changes_session(step.sql)) return false;
            if ((step.lock_mode == sql::LockMode::None || step.relations.empty()) && !definition_only(step))
                return false;
            if (!step.estimated_seconds || *step.estimated_seconds >= k_batch_step_seconds) return false;
            changes.saw(view_of(*m.file, step, m.steps.size()));
            if (changes.read_only_possible()) return false;
        }
        return true;
    }

    // The migrations of `group` (each batchable) in one message: for each,
    // its start record in a transaction of its own, then each step in a
    // transaction of its own with its record (the last one with the
    // migration's "applied" record), every transaction checking the runner
    // lock and setting the mark. The server stops at the first error: what
    // committed before it is recorded, and the migration it stopped in goes
    // on the one-step-at-a-time way from there (run_one), which retries a
    // lock timeout and records a failure as always.
    bool run_group(const std::vector<const PreparedMigration*>& group, RunResult& result) {
        struct Item {
            const PreparedMigration* migration;
            std::size_t step;  // index in its steps; unused for the start record
            bool start;
            long long mark;
        };
        std::vector<Item> items;
        std::string sql;
        std::string shown;  // pg_stat_activity shows a query's first 1 kB: the steps come first
        for (const PreparedMigration* m : group) {
            const std::string& version = m->file->version;
            items.push_back({m, 0, true, ++m_mark});
            sql += start_record_sql(m_lock_check,
                                    start_records_sql(*m, "migration-started") + "\n" + mark_sql(m_mark),
                                    version) +
                   "\n";
            StepRun run{m_work, m_interrupt, m_observers, m_options, m_random, m_lock_check};
            for (std::size_t i = 0; i < m->steps.size(); ++i) {
                const StoredStep& step = m->steps[i];
                items.push_back({m, i, false, ++m_mark});
                std::string also =
                    i + 1 == m->steps.size() ? applied_records_sql(version) + "\n" : std::string();
                StepView view = view_of(*m->file, step, m->steps.size());
                if (shown.size() < 900) shown += first_line(view.label + ": " + step.sql) + "; ";
                sql += one_trip_step_sql(run, view, step, also + mark_sql(m_mark)) + "\n";
            }
        }
        auto started = Clock::now();
        try {
            CancelScope scope(m_interrupt, [this] { m_work.cancel(); });
            m_work.execute("-- " + shown + "\n" + sql, k_batch_doing);
        } catch (const db::DatabaseError& e) {
            return group_stopped(group, items, e, result);
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        for (const PreparedMigration* m : group)
            batched_done(*m, m->steps.size(), ms / static_cast<long long>(group.size()), result);
        return true;
    }

    // Observers hear of a migration whose first `steps` steps committed in a
    // batch, and the result lists it as applied when all did.
    void batched_done(const PreparedMigration& m, std::size_t steps, long long ms, RunResult& result) {
        MigrationView seen{m.file->version, m.file->name, m.file->path.string(), false, m.steps.size()};
        m_observers.migration_started(seen);
        for (std::size_t i = 0; i < steps; ++i) {
            StepView view = view_of(*m.file, m.steps[i], m.steps.size());
            m_observers.step_started(view);
            m_observers.step_finished(view);
            m_session_changes.saw(view);
        }
        AppliedMigration applied{m.file->version, m.file->name, static_cast<int>(steps), ms, 0, 0, false};
        result.applied.push_back(applied);
        m_observers.migration_finished(seen);
    }

    // After a batch's error: the migrations that committed whole are
    // applied; the one it stopped in goes on from the step it stopped at,
    // then the rest of the group one by one.
    template <typename Items>
    bool group_stopped(const std::vector<const PreparedMigration*>& group, const Items& items,
                       const db::DatabaseError& e, RunResult& result) {
        std::size_t at = 0;
        if (e.connection_lost()) {
            std::optional<std::size_t> read = committed_before_loss(items);
            if (!read) {
                // Each transaction carried its own record: the next run reads them and resumes there.
                RunError error = run_error(e, group.front()->file->version);
                error.message +=
                    "; what the batch committed before the connection was lost is recorded (the server did "
                    "not answer a new connection to say more), and the next run resumes after it";
                result.status = run_status_for(e.kind());
                result.error = error;
                return false;
            }
            at = *read;
        } else {
            std::optional<std::size_t> read = committed_items(items);
            if (!read) return group_stopped(group, items, m_lost, result);
            at = *read;
        }
        return go_on_from(group, items, at, e, result);
    }

    // How many of the batch's items committed, by the session's mark; nullopt
    // when the session was lost meanwhile (m_lost holds the error).
    template <typename Items>
    std::optional<std::size_t> committed_items(const Items& items) {
        long long committed = 0;
        try {
            // The transaction the error aborted is rolled back first, and its mark with it.
            auto rows = m_work.query(
                fmt::format("ROLLBACK; SELECT pg_catalog.current_setting('{}', true)", k_mark_setting),
                "checking what the batch committed");
            if (!rows.empty() && rows[0][0] && !rows[0][0]->empty()) committed = std::stoll(*rows[0][0]);
        } catch (const db::DatabaseError& q) {
            if (!q.connection_lost()) throw;
            m_lost = q;
            return std::nullopt;
        }
        std::size_t at = 0;
        while (at < items.size() && items[at].mark <= committed) ++at;
        return at;
    }

    // How many of the batch's items committed, read from the tracking tables
    // through a new session after the work session was lost (a start record
    // committed when its migration has step rows, a step when its row says
    // applied); nullopt when the server does not answer.
    template <typename Items>
    std::optional<std::size_t> committed_before_loss(const Items& items) {
        std::set<std::string> versions;
        for (const auto& item : items) versions.insert(literal(item.migration->file->version));
        std::map<std::string, std::map<int, std::string>> states;
        try {
            db::Connection fresh =
                open_session(m_options.conninfo, "pgsafe migrate (reading what committed)");
            for (const auto& row : fresh.query(
                     fmt::format("SELECT version, step, state FROM pgsafe.steps WHERE version IN ({})",
                                 fmt::join(versions, ", ")),
                     "reading what the batch committed"))
                states[row.at(0).value_or("")][std::stoi(row.at(1).value_or("0"))] = row.at(2).value_or("");
        } catch (const std::exception& q) {
            spdlog::warn("could not read what the batch committed ({})", q.what());
            return std::nullopt;
        }
        std::size_t at = 0;
        for (; at < items.size(); ++at) {
            const auto& item = items[at];
            auto rows = states.find(item.migration->file->version);
            if (rows == states.end()) break;
            if (item.start) continue;
            auto state = rows->second.find(item.migration->steps[item.step].number);
            if (state == rows->second.end() || state->second != "applied") break;
        }
        return at;
    }

    // The migrations before item `at` committed whole; the one it is in goes
    // on from there, then the rest of the group one by one.
    template <typename Items>
    bool go_on_from(const std::vector<const PreparedMigration*>& group, const Items& items, std::size_t at,
                    const db::DatabaseError& e, RunResult& result) {
        if (at == items.size()) {  // all committed; the error came after (cannot happen: COMMIT is last)
            for (const PreparedMigration* m : group) batched_done(*m, m->steps.size(), 0, result);
            return true;
        }
        const auto& stop_item = items[at];
        std::size_t g = 0;
        for (; group[g] != stop_item.migration; ++g)
            batched_done(*group[g], group[g]->steps.size(), 0, result);
        BatchStop stop{stop_item.start ? 0 : stop_item.step, !stop_item.start, &e};
        if (!run_one(*group[g], result, &stop)) return false;
        for (++g; g < group.size(); ++g) {
            if (stopped_by_signal(*group[g], result)) return false;
            if (!run_one(*group[g], result)) return false;
        }
        return true;
    }

    // The error that stopped a batch at this step, as the step's own; nothing
    // when it is one the step's attempt loop retries (the step runs again).
    void stopped_at(const StepView& view, const BatchStop& stop) {
        if (m_interrupt.interrupted())
            throw Error(ErrorKind::Interrupted,
                        fmt::format("{}: interrupted by {}; the statement was cancelled", view.label,
                                    m_interrupt.signal_name()));
        if (!retryable_in_step(stop.error->sqlstate())) throw relabeled(*stop.error, view.label);
    }

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

    bool run_one(const PreparedMigration& m, RunResult& result, const BatchStop* stop = nullptr) {
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
                m_lock_check,
                start_records_sql(m, applied.resumed ? "migration-resumed" : "migration-started"), version);
            start.version = version;
            start.committed = stop != nullptr && stop->started;
            const std::string applied_sql = applied_records_sql(version);
            const StoredStep* last = nullptr;
            for (const auto& step : m.steps)
                if (step.state != StepState::Applied) last = &step;
            bool recorded = false;
            if (last == nullptr) {  // nothing left to run: started and applied, in one round trip
                m_work.execute(start.sql + "\n" + own_transaction_sql(m_lock_check + applied_sql),
                               "writing the tracking tables");
                start.committed = recorded = true;
            }
            for (std::size_t i = 0; i < m.steps.size(); ++i) {
                const StoredStep& step = m.steps[i];
                if (step.state == StepState::Applied) continue;
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
    long long m_mark = 0;  // the last mark a batch's transaction sets (mark_sql)
    // The error that lost the work session while reading a batch's mark.
    db::DatabaseError m_lost{ErrorKind::Database, "", "", db::DatabaseError::Lost::Yes};
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
                     const std::string& lock_check, db::Connection* lock_session) {
    bool schema =
        require_tracking_access(reads, TrackingUse::Run);  // the owner and the fix, not "permission denied"
    std::vector<std::string> distrust;
    if (schema) distrust = tracking_schema_problems(reads);  // before anything in it can fire
    if (!distrust.empty()) return untrusted_tracking_schema(distrust, files);
    ReconcileOptions reconciling{options.to, options.allow_out_of_order, options.allow_same_content};
    std::optional<FreshStart> fresh;  // no schema: the files are planned while it is created
    if (!schema && lock_session != nullptr) fresh.emplace(files, reconciling, *lock_session, options.plan);
    int installed = schema ? installed_tracking_version(reads) : 0;
    ensure_tracking_schema(work, installed);  // created or upgraded under the lock
    if (fresh) fresh->created();
    auto old_tools =
        coexist_with_old_tools(reads, options.conninfo, options.lock_wait, interrupt,
                               !lock_check.empty());  // the adopted-from tool's lock, while it lives
    // What ran before; a run (not --dry-run, whose executor only records)
    // knows the version ensure_tracking_schema left.
    Tracking tracking =
        lock_session != nullptr ? load_tracking(reads, tracking_schema_version()) : load_tracking(reads);
    RunResult result;
    std::optional<FreshStart::Planned> planned;
    if (fresh) planned = fresh->take(tracking);
    if (!planned) {
        planned.emplace();
        planned->todo = reconcile(files, tracking, reconciling);  // drift, order
        if (planned->todo.refusals.empty())
            planned->prepared =
                prepare(planned->todo, reads, options.plan);  // plan every file before anything runs
    }
    const Reconciled& todo = planned->todo;
    if (!todo.refusals.empty()) {
        refuse(work, todo.refusals, result);
        add_pending(result, files, tracking);
        return result;
    }
    const Prepared& prepared = planned->prepared;
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
    return migrate(files, options, [](RunOptions&) {});
}

RunResult migrate(const std::vector<source::MigrationFile>& files, const RunOptions& options,
                  const std::function<void(RunOptions&)>& open_gate) {
    require_version(files, options.to);  // a typo in --to is a usage error, before connecting
    InterruptWatch interrupt;            // first, so every thread after it leaves SIGINT/SIGTERM to it
    // The gate opens (the stored policy, who runs) while the lock's sessions connect.
    std::shared_future<RunOptions> gated = std::async(std::launch::async, [&] {
                                               RunOptions out = options;
                                               open_gate(out);
                                               return out;
                                           }).share();
    // The work session (steps and tracking writes) and the runner lock (one
    // runner per database); before waiting for another runner, the gate
    // must have opened: its error ends the wait.
    std::optional<LockedSession> opened;
    std::exception_ptr lock_failed;
    try {
        opened.emplace(options.conninfo, k_application_name, options.lock_wait, interrupt,
                       [&] { gated.get(); });
    } catch (...) {
        lock_failed = std::current_exception();
    }
    // The gate's error first, as when it opened before the lock (the lock,
    // if taken, is released on the way out).
    const RunOptions& run = gated.get();
    if (lock_failed) std::rethrow_exception(lock_failed);
    ConnectionExecutor work(opened->session());
    return run_locked(files, run, work, opened->session(), interrupt, opened->lock().check_sql(),
                      &opened->lock().session());
}

}  // namespace pgsafe::runner
