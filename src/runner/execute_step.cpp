// One step, end to end: the attempt loop with bounded lock waits and
// backoff, the three ways a step runs (in a transaction, outside one, in
// batches), and the cleanup of an index a failed CONCURRENTLY build left
// (and, with crash_repair.hpp, what an interrupted REINDEX or DETACH
// CONCURRENTLY left).

#include "execute_step.hpp"

#include "autovacuum.hpp"
#include "backoff.hpp"
#include "batch_loop.hpp"
#include "blockers.hpp"
#include "crash_repair.hpp"
#include "runner_lock.hpp"
#include "sql_text.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <set>

namespace pgsafe::runner {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// "ACCESS EXCLUSIVE", or `none` for a step that takes no lock.
std::string lock_named(const StoredStep& step, const char* none) {
    return step.lock_mode == sql::LockMode::None ? none : sql::lock_mode_name(step.lock_mode);
}

bool retryable(const std::string& sqlstate) {
    return sqlstate == "55P03" || sqlstate == "40P01";
}

Error interrupted(const StepRun& run, const std::string& label) {
    return Error(ErrorKind::Interrupted, fmt::format("{}: interrupted by {}; the statement was cancelled",
                                                     label, run.interrupt.signal_name()));
}

void check_interrupt(const StepRun& run, const std::string& label) {
    if (run.interrupt.interrupted()) throw interrupted(run, label);
}

// A statement of the migration itself: cancelled on the server on
// SIGINT/SIGTERM, and watched by the observers while it runs.
void execute_cancellable(StepRun& run, const StepView& view, const std::string& sql) {
    CancelScope scope(run.interrupt, [&work = run.work] { work.cancel(); });
    run.observer.statement_started(view, run.work.backend_pid());
    try {
        run.work.execute(sql, view.label);
    } catch (...) {
        run.observer.statement_finished(view);
        throw;
    }
    run.observer.statement_finished(view);
}

void execute_quietly(Executor& work, const std::string& sql) {
    try {
        work.execute(sql, "cleaning up");
    } catch (const std::exception& e) {
        spdlog::debug("{}", e.what());
    }
}

// f(); when it throws, `undo` runs (quietly, and not on a connection that is
// gone) before the error goes on.
template <typename F>
void undo_on_failure(Executor& work, const std::string& undo, F&& f) {
    try {
        f();
    } catch (const db::DatabaseError& e) {
        if (!e.connection_lost()) execute_quietly(work, undo);
        throw;
    } catch (...) {
        execute_quietly(work, undo);
        throw;
    }
}

// f() inside BEGIN … COMMIT; rolled back when it throws.
template <typename F>
void in_transaction(Executor& work, const std::string& doing, F&& f) {
    work.execute("BEGIN", doing);
    undo_on_failure(work, "ROLLBACK", [&] {
        f();
        work.execute("COMMIT", doing);
    });
}

// A tracking write in a transaction of its own (own_transaction_sql), rolled
// back if it fails, so the session is left as it was found.
void record(Executor& work, const std::string& sql, const std::string& doing) {
    undo_on_failure(work, "ROLLBACK", [&] { work.execute(own_transaction_sql(sql), doing); });
}

// The step's timeouts for this try: its lock_timeout, or the longer one
// preempt_autovacuum asked for.
std::string attempt_timeouts_sql(const StepRun& run, const StoredStep& step, Scope scope) {
    if (!run.lock_timeout_once) return timeouts_sql(step, scope);
    StoredStep longer = step;
    longer.lock_timeout_ms = std::max(step.lock_timeout_ms, *run.lock_timeout_once);
    return timeouts_sql(longer, scope);
}

// Runs attempt() until it succeeds; a lock timeout or deadlock is retried after
// a backoff (cut short as soon as the sessions that blocked it are gone) until
// the retry deadline.
template <typename Attempt>
void with_lock_retries(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
                       Attempt&& attempt) {
    const std::string& label = view.label;
    auto deadline = Clock::now() + run.options.retry.deadline;
    Backoff backoff(run.options.retry.initial, run.options.retry.max);
    std::string last_seen;
    std::set<std::string> told;
    std::optional<int> wait_once;  // a longer lock_timeout for the next try, for autovacuum
    while (true) {
        check_interrupt(run, label);
        auto started = Clock::now();
        try {
            run.lock_timeout_once = wait_once;
            wait_once.reset();
            attempt();
            run.lock_timeout_once.reset();
            return;
        } catch (const db::DatabaseError& e) {
            run.lock_timeout_once.reset();
            if (run.interrupt.interrupted()) throw interrupted(run, label);
            if (e.connection_lost() || !retryable(e.sqlstate())) throw;
            outcome.lock_wait_ms += ms_since(started);
            std::vector<Blocker> blockers =
                find_blockers(run.work, step, run.options.run.show_blocker_queries);
            std::string named = describe_blockers(blockers);
            AutovacuumContext autovacuum{run.work, run.observer, label, view.version, step.number, told};
            wait_once = preempt_autovacuum(autovacuum, blockers);
            if (Clock::now() >= deadline)
                throw Error(
                    ErrorKind::LockTimeout,
                    fmt::format("{}: gave up after {} tries in {:.1f} s waiting for {} on {} (retry deadline "
                                "{} s): {}",
                                label, outcome.retries + 1, outcome.lock_wait_ms / 1000.0,
                                lock_named(step, "its lock"), fmt::join(step.relations, ", "),
                                run.options.retry.deadline.count(), named));
            ++outcome.retries;
            if (named != last_seen) {
                run.observer.note(fmt::format("  {}: waiting for {} on {}: {}", label,
                                              lock_named(step, "a lock"), fmt::join(step.relations, ", "),
                                              named));
                last_seen = named;
            }
            record(run.work,
                   event_sql("retry", view.version, step.number,
                             {{"attempt", outcome.retries},
                              {"sqlstate", e.sqlstate()},
                              {"blockers", blockers_json(blockers)}}),
                   "recording a retry");
            auto pause = std::min<milliseconds>(
                backoff.next(run.random), std::chrono::duration_cast<milliseconds>(
                                              std::max(Clock::duration::zero(), deadline - Clock::now())));
            auto slept = Clock::now();
            auto gone = [&] {
                return !blockers.empty() &&
                       find_blockers(run.work, step, run.options.run.show_blocker_queries).empty();
            };
            if (!run.interrupt.sleep_for(pause, gone)) throw interrupted(run, label);
            outcome.lock_wait_ms += ms_since(slept);
        }
    }
}

// Whether the transaction in progress is read-only: asked only after the
// migration changed the session (SET default_transaction_read_only = on).
bool read_only_transaction(StepRun& run) {
    if (!run.session_changed) return false;
    auto rows = run.work.query("SELECT pg_catalog.current_setting('transaction_read_only')",
                               "checking whether the transaction is read-only");
    return !rows.empty() && rows[0][0] == std::optional<std::string>("on");
}

// "-- <label>: <the step's first line>", on one line whatever the file's name holds.
std::string step_comment(const StepView& view, const StoredStep& step) {
    std::string text = view.label + ": " + step.sql.substr(0, step.sql.find_first_of("\r\n"));
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return "-- " + text + "\n";
}

const std::string k_started_setting = "pgsafe.started";

// Whether the start record of `version`, sent ahead of a step that failed, committed.
bool started_record_committed(Executor& work, const std::string& version) {
    auto rows = work.query(fmt::format("SELECT pg_catalog.current_setting('{}', true)", k_started_setting),
                           "checking whether the migration's start was recorded");
    return !rows.empty() && rows[0][0] == std::optional<std::string>(version);
}

// After an error in the round trip that carried the start record: whether it
// committed (unknown when the connection is gone: it stays false).
void learn_start_record(StepRun& run, StartRecord& start, const db::DatabaseError& e) {
    if (e.connection_lost()) return;
    try {
        start.committed = started_record_committed(run.work, start.version);
    } catch (const std::exception& q) {
        spdlog::debug("{}", q.what());
    }
}

// f(before) inside a transaction that is rolled back when f throws; `before` is
// the start record's SQL while it is still to commit (sent in the same round
// trip), else "". After an error, asks whether the start record committed.
template <typename F>
void with_start_record(StepRun& run, StartRecord* start, F&& f) {
    bool pending = start != nullptr && !start->committed;
    try {
        undo_on_failure(run.work, "ROLLBACK", [&] { f(pending ? start->sql + "\n" : std::string()); });
    } catch (const db::DatabaseError& e) {
        if (pending) learn_start_record(run, *start, e);
        throw;
    }
    if (pending) start->committed = true;
}

// One round trip: BEGIN, the runner-lock check, the step's timeouts and its
// SQL, in the session as the migration left it, then pgsafe's own settings,
// the lock check again, the step's record and COMMIT. The step and its
// record commit together or not at all, so a step in a transaction needs no
// "running" record of its own: after a crash it is either applied or still
// to do. Once an earlier step may have made transactions read-only (SET
// default_transaction_read_only), the record waits for a second round trip
// that asks first: a read-only transaction changed nothing, and its step is
// recorded right after it instead of inside it.
// BEGIN, the runner-lock check (unless the transaction before it in the
// same message checked just before its COMMIT), the step's timeouts and its
// SQL (SET TRANSACTION first).
std::string step_work_sql(const StepRun& run, const StoredStep& step,
                          CheckedBefore checked = CheckedBefore::No) {
    const auto modes = split_transaction_modes(step.sql);  // SET TRANSACTION must come first
    return "BEGIN;\n" + modes.first + (checked == CheckedBefore::Yes ? std::string() : run.lock_check) +
           attempt_timeouts_sql(run, step, Scope::Transaction) + "\n" + modes.second;
}

// pgsafe's own settings, the lock check again, the step's record, `also_commit` and COMMIT.
std::string step_record_sql(const StepRun& run, const StepView& view, const StoredStep& step,
                            long long lock_wait_ms, const std::string& also_commit) {
    return k_own_settings_sql + "\n" + run.lock_check +
           step_done_sql(view.version, step.number, lock_wait_ms) + "\n" + also_commit + "\nCOMMIT;";
}

void run_in_transaction(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
                        const std::string& also_commit, StartRecord* start) {
    bool read_only = false;
    with_lock_retries(run, view, step, outcome, [&] {
        with_start_record(run, start, [&](const std::string& before) {
            // pg_stat_activity shows a query's first 1 kB: the step comes first, not the start record.
            std::string work =
                (before.empty() ? "" : step_comment(view, step)) + before + step_work_sql(run, step);
            std::string recorded = step_record_sql(run, view, step, outcome.lock_wait_ms, also_commit);
            if (!run.session_changed) {
                // The step's SQL may end in a -- comment: the newline ends it.
                execute_cancellable(run, view, work + "\n;\n" + recorded);
                return;
            }
            execute_cancellable(run, view, work);
            read_only = read_only_transaction(run);
            if (read_only) {
                run.work.execute("COMMIT", view.label);
                return;
            }
            run.work.execute(recorded, view.label);
        });
    });
    if (read_only)
        record(run.work,
               run.lock_check + step_done_sql(view.version, step.number, outcome.lock_wait_ms) + "\n" +
                   also_commit,
               "recording the step");
}

// Whether the step's index is there and valid, on the step's table
// (built_index_sql); no row when the step's statement cannot be read.
std::string index_state_sql(const StoredStep& step) {
    auto index = concurrent_index(step);
    return index ? built_index_sql(*index) : "SELECT WHERE false";
}

// An index a failed CREATE INDEX CONCURRENTLY left behind: INVALID, still
// updated by every write, and in the way of the retry. Only one on the
// step's table (`rows` answer index_state_sql); with IF NOT EXISTS, only
// once this step was tried before (`again`): until then it is someone
// else's, and the statement skips it, as psql would.
void clean_up_index(StepRun& run, const StepView& view, const StoredStep& step, const Executor::Rows& rows,
                    bool again) {
    auto index = built_index_of(rows);
    if (!index || index->valid) return;
    auto target = concurrent_index(step);
    if (target && target->if_not_exists && !again) return;
    run.observer.note(fmt::format(
        "  dropping the INVALID index {} a failed build left, before building it again", index->shown));
    record(run.work, event_sql("index-cleanup", view.version, step.number, {{"index", index->shown}}),
           "recording the cleanup");
    run.work.execute("DROP INDEX CONCURRENTLY IF EXISTS " + index->sql_name,
                     fmt::format("dropping the INVALID index {}", index->shown));
}

// f() with the work key held (shared) by the work session, so that a runner
// that takes the lock after this one lost it waits for the statement in
// flight to end before it reads what was done (runner_lock.hpp).
template <typename F>
void holding_work_key(StepRun& run, F&& f) {
    if (run.lock_check.empty()) return f();
    run.work.execute(hold_work_key_sql(), "holding the work key");
    undo_on_failure(run.work, release_work_key_sql(), [&] {
        run.work.execute(run.lock_check, "checking the runner lock");
        f();
    });
    run.work.execute(release_work_key_sql(), "releasing the work key");
}

// The indexes a DROP INDEX CONCURRENTLY step drops; none for any other step.
std::vector<sql::RelationName> dropped_indexes(const StoredStep& step) {
    sql::ParsedFile parsed = sql::parse_sql(step.sql, {sql::KeepTree::No});
    if (!parsed.ok() || parsed.statements.size() != 1) return {};
    const auto* drop = std::get_if<sql::Drop>(&parsed.statements.front().detail);
    if (drop == nullptr || drop->object != sql::ObjectKind::Index || !drop->concurrent) return {};
    return drop->names;
}

// Whether the work of a step outside a transaction, which an earlier run
// started, is in fact done: the index it builds exists and is valid, or
// the indexes it drops are all gone, or the partition it detaches is no
// longer one.
bool already_done(StepRun& run, const StepView& view, const StoredStep& step) {
    std::string found;
    if (step.index) {
        auto target = concurrent_index(step);
        auto index = target ? built_index(run.work, *target) : std::nullopt;
        if (!index || !index->valid) return false;
        found = fmt::format("the index {} exists and is valid", index->shown);
    } else if (auto detach = concurrent_detach(step)) {
        if (detach_state(run.work, *detach) != DetachState::Detached) return false;
        found = fmt::format("{} is no longer a partition", detach->partition.qualified());
    } else {
        std::vector<sql::RelationName> names = dropped_indexes(step);
        if (names.empty()) return false;
        std::vector<std::string> literals;
        for (const auto& n : names)
            literals.push_back(
                literal(n.schema.empty() ? ident(n.name) : ident(n.schema) + "." + ident(n.name)));
        auto rows = run.work.query(fmt::format("SELECT pg_catalog.bool_and(pg_catalog.to_regclass(n) IS "
                                               "NULL) FROM pg_catalog.unnest(ARRAY[{}]) n",
                                               fmt::join(literals, ", ")),
                                   "checking whether an earlier run dropped the index");
        if (rows.empty() || rows[0][0] != std::optional<std::string>("t")) return false;
        found = "the index it drops is gone";
    }
    run.observer.note(fmt::format("  {}: an earlier run finished this step ({}); recording it as applied",
                                  view.label, found));
    return true;
}

// The INVALID indexes an interrupted REINDEX … CONCURRENTLY of the step's
// index or table left (crash_repair.hpp): still updated by every write,
// and never dropped by the REINDEX that runs again.
void clean_up_reindex(StepRun& run, const StepView& view, const StoredStep& step) {
    for (const auto& leftover : reindex_leftovers(run.work, step)) {
        run.observer.note(
            fmt::format("  dropping the INVALID index {} an interrupted REINDEX CONCURRENTLY left, before "
                        "reindexing again",
                        leftover.shown));
        record(run.work, event_sql("reindex-cleanup", view.version, step.number, {{"index", leftover.shown}}),
               "recording the cleanup");
        run.work.execute("DROP INDEX CONCURRENTLY IF EXISTS " + leftover.sql_name,
                         fmt::format("dropping the INVALID index {}", leftover.shown));
    }
}

// The SQL a step outside a transaction runs: its own, or, for a DETACH
// PARTITION … CONCURRENTLY an earlier run left pending, the FINALIZE that
// completes it (the step as written would fail on a pending detach).
// `again`: an earlier run, or an earlier try of this run, started the step.
std::string sql_to_run(StepRun& run, const StepView& view, const StoredStep& step, bool again) {
    if (!again) return step.sql;
    auto detach = concurrent_detach(step);
    if (!detach || detach_state(run.work, *detach) != DetachState::Pending) return step.sql;
    run.observer.note(
        fmt::format("  {}: an earlier try left the detach of {} pending; finishing it with FINALIZE",
                    view.label, detach->partition.qualified()));
    record(run.work,
           event_sql("detach-finalize", view.version, step.number,
                     {{"table", detach->parent.qualified()}, {"partition", detach->partition.qualified()}}),
           "recording the repair");
    return finalize_sql(*detach);
}

// One try of a step outside a transaction: what an earlier try left cleaned
// up, then the statement under the step's timeouts (reset if it fails).
// `again`: an earlier run, or an earlier try of this run, started the step;
// set once this try is about to start it, so a retry after it fails cleans up.
// `index_state`, when given, is the answer to index_state_sql the caller
// already has; `timeouts_set`: the caller already set the timeouts.
void try_outside_transaction(StepRun& run, const StepView& view, const StoredStep& step, bool& again,
                             const Executor::Rows* index_state, bool timeouts_set) {
    if (step.index)
        clean_up_index(run, view, step,
                       index_state != nullptr
                           ? *index_state
                           : run.work.query(index_state_sql(step), "checking for a half-built index"),
                       again);
    if (again) clean_up_reindex(run, view, step);
    const std::string sql = sql_to_run(run, view, step, again);
    again = true;
    if (!timeouts_set) run.work.execute(attempt_timeouts_sql(run, step, Scope::Session), view.label);
    undo_on_failure(run.work, k_reset_timeouts_sql, [&] { execute_cancellable(run, view, sql); });
}

void run_outside_transaction(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
                             EarlierRun earlier) {
    holding_work_key(run, [&] {
        bool again = earlier == EarlierRun::Yes;
        with_lock_retries(run, view, step, outcome, [&] {
            try_outside_transaction(run, view, step, again, nullptr, false);
            run.work.execute(k_reset_timeouts_sql, "resetting the timeouts");
        });
        record(run.work, run.lock_check + step_applied_sql(view.version, step.number, outcome.lock_wait_ms),
               "recording the step");
    });
}

// A step outside a transaction that no earlier run started, in a run that
// holds the runner lock, in as few round trips as the statement allows (it
// must be alone in its message): first its start record (when still to
// commit), its "running" record, the work key, the lock check and its
// timeouts (or the question whether a half-built index of its name is
// there, then the timeouts); then the statement; then its record with
// `also_commit`, RESET and the work key's release. The same statements in
// the same order as run_outside_transaction sends them one by one, so a
// failure leaves the same records. Returns true: `also_commit` committed.
bool run_fresh_outside_transaction(StepRun& run, const StepView& view, const StoredStep& step,
                                   StepOutcome& outcome, StartRecord* start, const std::string& also_commit) {
    const std::string release = release_work_key_sql() + ";";
    const bool pending_start = start != nullptr && !start->committed;
    std::string first = (pending_start ? start->sql + "\n" : std::string()) +
                        own_transaction_sql(run.lock_check + step_started_sql(view.version, step.number)) +
                        "\n" + hold_work_key_sql() + ";\n" + run.lock_check + "\n";
    Executor::Rows index_state;
    try {
        // The work key is held once hold_work_key_sql ran; releasing one not held only warns.
        undo_on_failure(run.work, "ROLLBACK;\n" + release, [&] {
            if (step.index)
                index_state = run.work.query(first + index_state_sql(step), "recording the step");
            else
                run.work.execute(first + attempt_timeouts_sql(run, step, Scope::Session),
                                 "recording the step");
        });
    } catch (const db::DatabaseError& e) {
        if (pending_start) learn_start_record(run, *start, e);
        throw;
    }
    if (start != nullptr) start->committed = true;
    undo_on_failure(run.work, "ROLLBACK;\n" + k_reset_timeouts_sql + "\n" + release, [&] {
        bool again = false;
        with_lock_retries(run, view, step, outcome, [&] {
            // The first message answered index_state_sql for an index step, else set the timeouts.
            const bool first_try = !again;
            try_outside_transaction(run, view, step, again, first_try && step.index ? &index_state : nullptr,
                                    first_try && !step.index);
        });
        run.work.execute(
            own_transaction_sql(run.lock_check +
                                step_applied_sql(view.version, step.number, outcome.lock_wait_ms) + "\n" +
                                also_commit) +
                "\n" + k_reset_timeouts_sql + "\n" + release,
            "recording the step");
    });
    return true;
}

// The loop itself is batch_loop.cpp's; it waits, retries and is cancelled the way every step is.
void run_in_batches(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome) {
    BatchHooks hooks{
        [&](const std::function<void()>& attempt) { with_lock_retries(run, view, step, outcome, attempt); },
        [&](const std::function<void()>& f) { in_transaction(run.work, view.label, f); },
        [&](const std::string& sql) { execute_cancellable(run, view, sql); },
        [&] { return interrupted(run, view.label); },
        [&] { return attempt_timeouts_sql(run, step, Scope::Transaction); }};
    run_batch_loop(run, view, step, outcome, hooks);
    record(run.work, run.lock_check + step_applied_sql(view.version, step.number, outcome.lock_wait_ms),
           "recording the step");
}

}  // namespace

std::string timeouts_sql(const StoredStep& step, Scope scope) {
    const char* set = scope == Scope::Transaction ? "SET LOCAL" : "SET";
    return fmt::format("{0} lock_timeout = {1}; {0} statement_timeout = {2};", set,
                       duration_ms(step.lock_timeout_ms), duration_ms(step.statement_timeout_ms.value_or(0)));
}

std::string start_record_sql(const std::string& lock_check, const std::string& tracking_sql,
                             const std::string& version) {
    return own_transaction_sql(
        lock_check + tracking_sql + "\n" +
        fmt::format("SELECT pg_catalog.set_config('{}', {}, false);", k_started_setting, literal(version)));
}

std::string one_trip_step_sql(const StepRun& run, const StepView& view, const StoredStep& step,
                              const std::string& also_commit, CheckedBefore checked) {
    // The step's SQL may end in a -- comment: the newline ends it.
    return step_work_sql(run, step, checked) + "\n;\n" + step_record_sql(run, view, step, 0, also_commit);
}

bool execute_step(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
                  EarlierRun earlier, const std::string& also_commit, StartRecord* start) {
    check_interrupt(run, view.label);
    if (step.transactional && !step.batch) {
        run_in_transaction(run, view, step, outcome, also_commit, start);
        return true;
    }
    if (!step.batch && earlier == EarlierRun::No && !run.lock_check.empty())
        return run_fresh_outside_transaction(run, view, step, outcome, start, also_commit);
    if (start != nullptr && !start->committed) {
        undo_on_failure(run.work, "ROLLBACK",
                        [&] { run.work.execute(start->sql, "writing the tracking tables"); });
        start->committed = true;
    }
    // Checked before every step: a runner that lost its lock stops here.
    record(run.work, run.lock_check + step_started_sql(view.version, step.number), "recording the step");
    if (!step.transactional && earlier == EarlierRun::Yes && already_done(run, view, step)) {
        // The work finished before the runner died or failed, but was not recorded.
        record(run.work, run.lock_check + step_applied_sql(view.version, step.number, step.lock_wait_ms),
               "recording the step");
        return false;
    }
    if (step.batch)
        run_in_batches(run, view, step, outcome);
    else
        run_outside_transaction(run, view, step, outcome, earlier);
    return false;
}

}  // namespace pgsafe::runner
