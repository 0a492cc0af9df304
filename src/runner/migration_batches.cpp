// Consecutive quick migrations in one message (a batch of migrations, not
// the batches of rows of batch_loop.cpp), and consecutive quick steps of a
// migration that cannot go in one whole: each step still a transaction of
// its own with its record and the runner-lock check, and each start record
// one of its own or part of the end of the migration before it, so the
// server stops at the first error with what committed before it recorded.
// A mark set by each transaction tells where it stopped, and the migration
// it stopped in goes on one step at a time from there (run_migrations.cpp).

#include "run_migrations.hpp"

#include "session.hpp"
#include "sql_text.hpp"

#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace pgsafe::runner {
namespace {

using Clock = std::chrono::steady_clock;

// What batches of steps (Run::run_group) say while they run, so that an
// error can be told as the error of the step it stopped at.
const std::string k_batch_doing = "pgsafe batch";
const std::string k_mark_setting = "pgsafe.mark";
// A step the plan expects to take this long or longer runs on its own (watched by the monitor).
constexpr double k_batch_step_seconds = 1.0;

// The transaction that commits it sets the mark, so that after an error the
// session tells which of a batch's transactions committed (a rolled-back
// set_config is undone).
std::string mark_sql(long long mark) {
    return fmt::format("SELECT pg_catalog.set_config('{}', '{}', false);", k_mark_setting, mark);
}

// A batch's error as the error of the step it stopped at.
db::DatabaseError relabeled(const db::DatabaseError& e, const std::string& label) {
    std::string text = e.what();
    if (text.rfind(k_batch_doing, 0) == 0) text = label + text.substr(k_batch_doing.size());
    return db::DatabaseError(
        e.kind(), text, e.sqlstate(),
        e.connection_lost() ? db::DatabaseError::Lost::Yes : db::DatabaseError::Lost::No);
}

// "V3__x.sql:4 (step 2/3): ALTER TABLE …" on one line, for the batch's leading comment.
std::string first_line(const std::string& text) {
    std::string out = text.substr(0, text.find_first_of("\r\n"));
    if (out.size() <= 200) return out;
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    return out.substr(0, cut) + "...";
}

// One message of transactions: what it says in pg_stat_activity (which
// shows a query's first 1 kB, so the steps come first) and its SQL.
struct Message {
    std::string shown;
    std::string sql;
    void add_step(const StepView& view, const std::string& step_sql, const std::string& transaction) {
        if (shown.size() < 900) shown += first_line(view.label + ": " + step_sql) + "; ";
        sql += transaction + "\n";
    }
    std::string text() const { return "-- " + shown + "\n" + sql; }
};

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

// A step that may go in a batch (Run::batchable and Run::quick_steps_from say the rest).
bool quick_step(const StoredStep& step) {
    if (step.state == StepState::Applied || !step.transactional || step.batch) return false;
    if (changes_session(step.sql)) return false;
    if ((step.lock_mode == sql::LockMode::None || step.relations.empty()) && !definition_only(step))
        return false;
    return step.estimated_seconds && *step.estimated_seconds < k_batch_step_seconds;
}

bool retryable_in_step(const std::string& sqlstate) {
    return sqlstate == "55P03" || sqlstate == "40P01";  // as execute_step's attempt loop retries
}

}  // namespace

// A migration that can go in a batch: new to the tracking tables, every
// step in a transaction of its own, none in batches of rows, each one
// whose locks the analysis knows and that the plan expects to be quick
// (a statement it cannot tell, a DO block or a function call, runs on
// its own, watched by the monitor and shown as itself in
// pg_stat_activity), none after a change that may have made transactions
// read-only, none that changes the session and not after one that did
// (each migration starts from the session pgsafe opened, session_reset.hpp;
// run_one resets it), and not --dry-run. A step that does not change the
// session holds no session-level SET or RESET, so SessionChanges has
// nothing to learn from it. A migration without steps (a file of comments,
// or one another database's variant left empty) is only its records.
bool Run::batchable(const PreparedMigration& m) const {
    if (!batches_allowed() || !m.fresh || m.action != Action::Start) return false;
    if (m_session_reset.pending() || !m.session_sql.empty()) return false;
    return std::all_of(m.steps.begin(), m.steps.end(),
                       [this](const StoredStep& step) { return quick(step); });
}

// quick_step(step), worked out once: run_all asks again of the migration
// that ended a group, and run_one of the steps of one that could not go in one.
bool Run::quick(const StoredStep& step) const {
    auto known = m_quick.find(&step);
    if (known == m_quick.end()) known = m_quick.emplace(&step, quick_step(step)).first;
    return known->second;
}

// Whether anything may go in a batch now: the run watches the runner lock
// (not --dry-run), and no step may have made transactions read-only.
bool Run::batches_allowed() const {
    return !m_lock_check.empty() && !m_session_changes.read_only_possible();
}

// Where a batch of `m`'s steps that starts at step `from` ends: the first
// step after it that may not go in one, or the one that would make the
// message too long; `from` itself when no batch may start now. The start
// record must have committed (run_one's first step carries it).
std::size_t Run::quick_steps_from(const PreparedMigration& m, std::size_t from) const {
    if (!batches_allowed()) return from;
    std::size_t to = from;
    std::size_t bytes = 0;
    while (to < m.steps.size() && bytes < k_batch_bytes && quick(m.steps[to]))
        bytes += m.steps[to++].sql.size();
    return to;
}

// Steps [from, to) of `m` in one message, as run_group sends migrations;
// the migration's last step carries `applied_sql`. Returns how many
// committed. When one failed, `current` is that step and its error is
// thrown as its own, unless it is one the step's attempt loop retries
// (then the step runs again on its own: the caller goes on from the
// returned count).
std::size_t Run::run_steps_together(const PreparedMigration& m, std::size_t from, std::size_t to,
                                    const std::string& applied_sql, const StoredStep*& current) {
    std::vector<BatchItem> items;
    Message message;
    StepRun run{m_work, m_interrupt, m_observers, m_options, m_random, m_lock_check};
    for (std::size_t i = from; i < to; ++i) {
        const StoredStep& step = m.steps[i];
        items.push_back({&m, i, false, ++m_mark});
        StepView view = view_of(*m.file, step, m.steps.size());
        std::string also = i + 1 == m.steps.size() ? applied_sql + "\n" : std::string();
        message.add_step(view, step.sql,
                         one_trip_step_sql(run, view, step, also + mark_sql(m_mark),
                                           i == from ? CheckedBefore::No : CheckedBefore::Yes));
    }
    std::size_t done = items.size();
    std::optional<db::DatabaseError> error;
    try {
        send(message.text());
    } catch (const db::DatabaseError& e) {
        error = e;
        std::optional<std::size_t> read =
            e.connection_lost() ? committed_before_loss(items) : committed_items(items);
        if (!read) {
            current = nullptr;  // what committed is recorded: the next run resumes after it
            throw e.connection_lost() ? e : m_lost;
        }
        done = *read;
    }
    steps_done(m, from, from + done);
    if (!error || from + done == to) return done;  // (all committed: the error came after COMMIT)
    const StoredStep& stopped = m.steps[from + done];
    StepView view = view_of(*m.file, stopped, m.steps.size());
    current = &stopped;
    try {
        if (error->connection_lost()) throw relabeled(*error, view.label);
        stopped_at(view, BatchStop{from + done, true, &*error});
    } catch (...) {
        m_observers.step_started(view);  // as run_one tells of a step that failed
        m_observers.step_finished(view);
        throw;
    }
    current = nullptr;
    return done;
}

// The migrations of `group` (each batchable) in one message: the first
// one's start record in a transaction of its own, then each step in a
// transaction of its own with its record (the last one with the
// migration's "applied" record and the next migration's start record),
// every transaction checking the runner lock and setting the mark. A
// migration without steps is started and applied in the transaction that
// starts it. The server stops at the first error: what committed before it
// is recorded, and the migration it stopped in goes on the
// one-step-at-a-time way from there (run_one), which retries a lock timeout
// and records a failure as always; the ones after it have no record yet.
bool Run::run_group(const std::vector<const PreparedMigration*>& group, RunResult& result) {
    std::vector<BatchItem> items;
    Message message;
    StepRun run{m_work, m_interrupt, m_observers, m_options, m_random, m_lock_check};
    // The records that start group[g], and end it and start the ones after
    // it while they have no steps; `g` moves to the next one with steps.
    auto starting = [&](std::size_t& g) {
        std::string out;
        for (; g < group.size(); ++g) {
            out += start_records_sql(*group[g], "migration-started") + "\n";
            if (!group[g]->steps.empty()) break;
            out += applied_records_sql(group[g]->file->version) + "\n";
        }
        return out;
    };
    std::size_t g = 0;
    items.push_back({group.front(), 0, true, ++m_mark});
    message.sql +=
        start_record_sql(m_lock_check, starting(g) + mark_sql(m_mark), group.front()->file->version) + "\n";
    while (g < group.size()) {
        const PreparedMigration* m = group[g];
        for (std::size_t i = 0; i < m->steps.size(); ++i) {
            const StoredStep& step = m->steps[i];
            items.push_back({m, i, false, ++m_mark});
            std::string also;
            if (i + 1 == m->steps.size()) {
                // The next migrations' start records commit with this one's end.
                ++g;
                also = applied_records_sql(m->file->version) + "\n" + starting(g);
                if (g < group.size()) items.push_back({group[g], 0, true, m_mark});
            }
            StepView view = view_of(*m->file, step, m->steps.size());
            // Each step's transaction follows one that checked the lock just before its COMMIT.
            message.add_step(view, step.sql,
                             one_trip_step_sql(run, view, step, also + mark_sql(m_mark), CheckedBefore::Yes));
        }
    }
    auto started = Clock::now();
    try {
        send(message.text());
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
void Run::batched_done(const PreparedMigration& m, std::size_t steps, long long ms, RunResult& result) {
    MigrationView seen{m.file->version, m.file->name, m.file->path.string(), false, m.steps.size()};
    m_observers.migration_started(seen);
    steps_done(m, 0, steps);
    AppliedMigration applied{m.file->version, m.file->name, static_cast<int>(steps), ms, 0, 0, false};
    result.applied.push_back(applied);
    m_observers.migration_finished(seen);
}

// Observers hear of `m`'s steps [from, to), committed in a batch: each a
// quick step, which changed nothing SessionChanges keeps.
void Run::steps_done(const PreparedMigration& m, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
        StepView view = view_of(*m.file, m.steps[i], m.steps.size());
        m_observers.step_started(view);
        m_observers.step_finished(view);
    }
}

// A batch's message; SIGINT or SIGTERM cancels it.
void Run::send(const std::string& message) {
    CancelScope scope(m_interrupt, [this] { m_work.cancel(); });
    m_work.execute(message, k_batch_doing);
}

// After a batch's error: the migrations that committed whole are
// applied; the one it stopped in goes on from the step it stopped at,
// then the rest of the group one by one.
bool Run::group_stopped(const std::vector<const PreparedMigration*>& group,
                        const std::vector<BatchItem>& items, const db::DatabaseError& e, RunResult& result) {
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
std::optional<std::size_t> Run::committed_items(const std::vector<BatchItem>& items) {
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
// committed when its migration has a row, a step when its row says
// applied); nullopt when the server does not answer.
std::optional<std::size_t> Run::committed_before_loss(const std::vector<BatchItem>& items) {
    std::set<std::string> versions;
    for (const auto& item : items) versions.insert(literal(item.migration->file->version));
    std::map<std::string, std::map<int, std::string>> states;
    try {
        db::Connection fresh = open_session(m_options.conninfo, "pgsafe migrate (reading what committed)");
        for (const auto& row : fresh.query(
                 fmt::format(
                     "SELECT m.version, s.step, s.state FROM pgsafe.migrations m LEFT JOIN pgsafe.steps "
                     "s ON s.version = m.version WHERE m.version IN ({})",
                     fmt::join(versions, ", ")),
                 "reading what the batch committed")) {
            auto& steps = states[row.at(0).value_or("")];
            if (row.at(1)) steps[std::stoi(*row.at(1))] = row.at(2).value_or("");
        }
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
bool Run::go_on_from(const std::vector<const PreparedMigration*>& group, const std::vector<BatchItem>& items,
                     std::size_t at, const db::DatabaseError& e, RunResult& result) {
    if (at == items.size()) {  // all committed; the error came after (cannot happen: COMMIT is last)
        for (const PreparedMigration* m : group) batched_done(*m, m->steps.size(), 0, result);
        return true;
    }
    const auto& stop_item = items[at];
    std::size_t g = 0;
    for (; group[g] != stop_item.migration; ++g) batched_done(*group[g], group[g]->steps.size(), 0, result);
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
void Run::stopped_at(const StepView& view, const BatchStop& stop) {
    if (m_interrupt.interrupted())
        throw Error(ErrorKind::Interrupted, fmt::format("{}: interrupted by {}; the statement was cancelled",
                                                        view.label, m_interrupt.signal_name()));
    if (!retryable_in_step(stop.error->sqlstate())) throw relabeled(*stop.error, view.label);
}
}  // namespace pgsafe::runner
