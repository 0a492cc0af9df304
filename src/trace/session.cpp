// Running and watching statements for `pgsafe trace`. A statement in a
// transaction is observed from its own session (pg_locks before and after
// it, in the same transaction); one that cannot run in a transaction runs on
// a thread while the watching session samples its locks. Held times count
// only the traced statements' own time, not these observations.

#include "session.hpp"

#include "../runner/batch_loop.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/sql/position.hpp"
#include "pgsafe/trace/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <set>
#include <thread>

namespace pgsafe::trace {
namespace {

// Keys per traced batch: a whole table in large steps (the runner sizes its own).
constexpr long k_trace_batch_keys = 10000;

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool is_table_like(char kind) {
    return kind == 'r' || kind == 'p' || kind == 'm' || kind == 'f';
}

// Indexes too: INSERT/UPDATE/DELETE take ROW EXCLUSIVE on the table's indexes.
bool writes_go_through(char kind) {
    return is_table_like(kind) || kind == 'i' || kind == 'I' || kind == 't';
}

sql::RelationName split_name(const std::string& qualified) {
    auto dot = qualified.find('.');
    if (dot == std::string::npos) return {"", qualified};
    return {qualified.substr(0, dot), qualified.substr(dot + 1)};
}

bool is_large(const analysis::TableFact& fact, const analysis::Thresholds& thresholds) {
    return fact.rows >= thresholds.large_table_rows || fact.bytes >= thresholds.large_table_bytes;
}

// The lock model of a step: every statement of its SQL, strongest per relation.
analysis::Effects step_model(const std::string& text) {
    sql::ParsedFile parsed = sql::parse_sql(text, {sql::KeepTree::No});
    analysis::Effects out;
    if (!parsed.ok()) {
        out.unknown = true;
        return out;
    }
    for (const auto& statement : parsed.statements) {
        analysis::Effects e = analysis::statement_effects(statement);
        out.unknown = out.unknown || e.unknown;
        out.outside_transaction = out.outside_transaction || e.outside_transaction;
        for (const auto& lock : e.locks) {
            auto it = std::find_if(out.locks.begin(), out.locks.end(), [&](const analysis::RelationLock& l) {
                return l.relation == lock.relation;
            });
            if (it == out.locks.end())
                out.locks.push_back(lock);
            else
                it->mode = std::max(it->mode, lock.mode);
        }
    }
    return out;
}

// The server's message without the "statement: " we put in front.
std::string server_message(const db::DatabaseError& e) {
    std::string text = e.what();
    constexpr std::string_view prefix = "statement: ";
    if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
    if (auto at = text.rfind(" (SQLSTATE "); at != std::string::npos) text.erase(at);  // reported on its own
    return text;
}

}  // namespace

Session::Session(const std::string& url, const TraceOptions& options)
    : m_work(url), m_watch(url), m_hold(url), m_options(options), m_pid(m_work.backend_pid()) {}

std::string Session::server_version() {
    auto rows = m_watch.query("SHOW server_version", "reading the server version");
    std::string version = rows.at(0).at(0).value_or("");
    return version.substr(0, version.find(' '));  // "15.4 (Debian 15.4-1)" -> "15.4"
}

void Session::begin_outer() {
    m_work.execute("BEGIN", "opening the transaction that will be rolled back");
    m_in_outer = true;
}

void Session::rollback_outer() {
    if (!m_in_outer) return;
    m_in_outer = false;
    m_work.execute("ROLLBACK", "rolling back");
}

std::vector<std::string> Session::describe() {
    return trace::describe(m_work);
}

void Session::check_interrupted() const {
    if (m_options.interrupts != nullptr && m_options.interrupts->interrupted())
        throw Error(ErrorKind::Interrupted, "interrupted: the trace stopped");
}

double Session::execute(const std::string& text) {
    check_interrupted();
    if (m_options.interrupts != nullptr) m_options.interrupts->set_canceller([this] { m_work.cancel(); });
    auto start = Clock::now();
    try {
        m_work.execute(text, "statement");
    } catch (...) {
        if (m_options.interrupts != nullptr) m_options.interrupts->set_canceller({});
        m_clock_ms += ms_since(start);
        check_interrupted();  // a cancelled statement is the signal's doing
        throw;
    }
    if (m_options.interrupts != nullptr) m_options.interrupts->set_canceller({});
    double ms = ms_since(start);
    m_clock_ms += ms;
    return ms;
}

void Session::end_transaction(TracedRun& run) {
    for (const auto& p : m_pending)
        run.statements[p.statement].locks[p.lock].held_ms = m_clock_ms - p.start_ms;
    m_pending.clear();
}

TracedStatement Session::record(const Unit& unit, const Relations& before, const Relations& after,
                                const std::vector<std::string>& catalog_before,
                                const std::vector<std::string>& catalog_after, ModelObservation& seen,
                                double duration_ms) {
    TracedStatement s;
    s.line = unit.line;
    s.column = unit.column;
    s.sql = unit.sql;
    s.duration_ms = duration_ms;
    for (const auto& [oid, relation] : before) {
        seen.existed.insert(oid);
        seen.names[oid] = relation.name;
        if (relation.user) seen.user_relations.insert(oid);
    }
    for (const auto& [oid, relation] : after) {
        seen.names.emplace(oid, relation.name);
        if (relation.user) seen.user_relations.insert(oid);
    }
    s.model = check_model(unit.model, seen);

    for (const auto& [oid, mode] : seen.after) {
        auto held = seen.before.find(oid);
        if (held != seen.before.end() && held->second >= mode) continue;  // nothing new
        const Relation* relation = nullptr;
        if (auto it = after.find(oid); it != after.end()) relation = &it->second;
        if (auto it = before.find(oid); relation == nullptr && it != before.end()) relation = &it->second;
        if (relation == nullptr) continue;  // made and dropped within the statement (a rewrite's new heap)
        TracedLock lock;
        lock.relation = relation->name;
        lock.kind = relation_kind_name(relation->kind);
        lock.mode = pg_lock_name(mode);
        lock.level = mode;
        lock.existed = m_migration_start.count(oid) > 0;
        lock.blocks_writes =
            writes_go_through(relation->kind) && analysis::lock_conflicts(mode, sql::LockMode::RowExclusive);
        if (lock.blocks_writes && lock.existed && is_table_like(relation->kind)) {
            const analysis::TableFact* fact = m_options.facts.find(split_name(relation->name));
            if (fact != nullptr && is_large(*fact, m_options.thresholds))
                lock.large = analysis::describe_size(*fact);
        }
        s.locks.push_back(std::move(lock));
    }
    for (const auto& [oid, relation] : after) {
        auto it = before.find(oid);
        if (it == before.end() || it->second.relfilenode == relation.relfilenode ||
            relation.relfilenode == "0")
            continue;
        s.rewrites.push_back(fmt::format("{} ({})", relation.name, relation_kind_name(relation.kind)));
    }
    s.changes = diff_lines(compare_descriptions(catalog_before, catalog_after));
    // DROP … IF EXISTS of something missing changes nothing and keeps no
    // lock: the model describes the statement that does something.
    bool no_op = s.changes.empty() && s.rewrites.empty() &&
                 std::all_of(seen.resolved.begin(), seen.resolved.end(),
                             [&](const auto& r) { return !seen.after.count(r.second); });
    if (s.model.verdict == ModelVerdict::Mismatch && no_op && !seen.resolved.empty())
        s.model.verdict = ModelVerdict::Unobserved;
    return s;
}

void Session::in_transaction(const Unit& unit, TracedRun& run) {
    bool own = !m_in_block && !m_in_outer;
    Relations before = snapshot_relations(m_work);
    std::vector<std::string> catalog_before = describe_catalog(m_work);
    ModelObservation seen;
    resolve_model(m_work, unit.model, seen.resolved);
    if (own) execute("BEGIN");
    seen.before = session_locks(m_work, m_pid, true);
    double start = m_clock_ms;
    double duration = 0;
    try {
        duration = execute(unit.sql);
    } catch (const db::DatabaseError&) {
        if (own) m_work.execute("ROLLBACK", "rolling back the failed statement");
        throw;
    }
    seen.after = session_locks(m_work, m_pid, true);
    resolve_model(m_work, unit.model, seen.resolved);
    Relations after = snapshot_relations(m_work);
    std::vector<std::string> catalog_after = describe_catalog(m_work);
    TracedStatement s = record(unit, before, after, catalog_before, catalog_after, seen, duration);
    run.statements.push_back(std::move(s));
    const auto& locks = run.statements.back().locks;
    for (std::size_t i = 0; i < locks.size(); ++i) {
        if (locks[i].blocks_writes) m_pending.push_back({run.statements.size() - 1, i, start});
    }
    if (own) execute("COMMIT");
    if (!m_in_block) end_transaction(run);  // autocommit: its transaction ends with it
}

void Session::outside_transaction(const Unit& unit, TracedRun& run) {
    Relations before = snapshot_relations(m_watch);
    std::vector<std::string> catalog_before = describe_catalog(m_watch);
    ModelObservation seen;
    seen.sampled = true;
    resolve_model(m_watch, unit.model, seen.resolved);

    // A third session holds a snapshot and ACCESS SHARE on the statement's
    // tables: CONCURRENTLY forms wait for it while holding their locks, and
    // the watcher sees them. Released as soon as the statement waits.
    std::vector<std::string> hold = tables_to_hold(m_watch, seen.resolved);
    m_hold.execute("BEGIN ISOLATION LEVEL REPEATABLE READ", "holding a snapshot");
    m_hold.query("SELECT 1", "taking the snapshot");
    for (const auto& table : hold)
        m_hold.execute("LOCK TABLE " + table + " IN ACCESS SHARE MODE", "holding a table");
    bool holding = true;
    auto release = [&] {
        if (holding) m_hold.execute("COMMIT", "releasing the held snapshot");
        holding = false;
    };

    std::atomic<bool> done{false};
    std::exception_ptr failure;
    double duration = 0;
    std::thread statement([&] {
        try {
            duration = execute(unit.sql);
        } catch (...) {
            failure = std::current_exception();
        }
        done = true;
    });
    try {
        while (!done) {
            bool waiting = holding && waits_for_lock(m_watch, m_pid);
            for (const auto& [oid, mode] : session_locks(m_watch, m_pid, false)) {
                seen.after[oid] = std::max(seen.after[oid], mode);
                seen.sampled_modes[oid].insert(mode);
            }
            if (waiting) release();
        }
        release();
    } catch (...) {
        try {
            release();
        } catch (...) {
        }
        statement.join();
        throw;
    }
    statement.join();
    if (failure) std::rethrow_exception(failure);
    resolve_model(m_watch, unit.model, seen.resolved);
    Relations after = snapshot_relations(m_watch);
    std::vector<std::string> catalog_after = describe_catalog(m_watch);
    TracedStatement s = record(unit, before, after, catalog_before, catalog_after, seen, duration);
    s.transactional = false;
    for (auto& lock : s.locks) {
        if (lock.blocks_writes) lock.held_ms = duration;
    }
    run.statements.push_back(std::move(s));
}

bool Session::run_unit(const Unit& unit, bool outside, TracedRun& run) {
    try {
        if (outside)
            outside_transaction(unit, run);
        else
            in_transaction(unit, run);
        return true;
    } catch (const db::DatabaseError& e) {
        if (e.connection_lost()) throw;
        run.failure = ServerFailure{unit.line, unit.column, e.sqlstate(), server_message(e)};
        if (m_in_block) {
            m_in_block = false;
            if (!m_in_outer) m_work.execute("ROLLBACK", "rolling back the failed transaction");
        }
        m_pending.clear();
        return false;
    }
}

TracedRun Session::run_file(const MigrationToTrace& migration) {
    TracedRun run;
    m_migration_start = snapshot_relations(m_work);
    const sql::ParsedFile& file = migration.parsed;
    sql::LineIndex lines(file.text);
    double clock_at_start = m_clock_ms;
    for (const auto& statement : file.statements) {
        check_interrupted();
        std::string text = file.text.substr(statement.span.begin, statement.span.end - statement.span.begin);
        sql::Position position = lines.position(statement.span.begin);
        if (const auto* tx = std::get_if<sql::Transaction>(&statement.detail)) {
            // BEGIN … COMMIT as written; inside Ending::Rollback's transaction they only mark the block.
            bool begins = tx->kind == sql::TransactionKind::Begin;
            bool ends = tx->kind == sql::TransactionKind::Commit ||
                        tx->kind == sql::TransactionKind::Rollback ||
                        tx->kind == sql::TransactionKind::Prepare;
            try {
                if (!m_in_outer || !(begins || ends)) execute(text);
            } catch (const db::DatabaseError& e) {
                if (e.connection_lost()) throw;
                run.failure =
                    ServerFailure{static_cast<int>(position.line), static_cast<int>(position.column),
                                  e.sqlstate(), server_message(e)};
                break;
            }
            if (begins) m_in_block = true;
            if (ends) {
                m_in_block = false;
                end_transaction(run);
            }
            continue;
        }
        Unit unit{text, analysis::statement_effects(statement), static_cast<int>(position.line),
                  static_cast<int>(position.column)};
        bool outside = (unit.model.outside_transaction || !statement.outside_transaction_block.empty()) &&
                       !m_in_block && !m_in_outer;
        if (!run_unit(unit, outside, run)) break;
    }
    if (m_in_block && !run.failure) {  // the file ended inside BEGIN: psql's session would roll it back
        m_in_block = false;
        if (!m_in_outer) m_work.execute("ROLLBACK", "rolling back the transaction the file left open");
    }
    end_transaction(run);
    run.duration_ms = m_clock_ms - clock_at_start;
    return run;
}

void Session::run_batches(const Unit& unit, const plan::Batch& batch, TracedRun& run) {
    // The runner's own statements (runner/batch_loop.hpp): the next keys after
    // the last one done, each batch its own transaction.
    runner::StoredStep stored;
    stored.sql = unit.sql;
    stored.batch = batch;
    m_work.execute(runner::prepare_batch_sql(stored), "preparing the batch");
    std::optional<TracedStatement> merged;
    std::optional<std::vector<std::string>> last;
    const std::size_t n = batch.key.size();
    while (true) {
        auto rows =
            m_work.query(runner::next_batch_sql(batch, last, k_trace_batch_keys), "finding the next batch");
        if (rows.empty() || !rows[0][0]) break;
        std::vector<std::string> first;
        last.emplace();
        for (std::size_t i = 0; i < n; ++i) {
            first.push_back(rows[0].at(1 + i).value_or(""));
            last->push_back(rows[0].at(1 + n + i).value_or(""));
        }
        {
            TracedRun one;
            Unit step = unit;
            step.sql = runner::execute_batch_sql(first, *last);
            in_transaction(step, one);
            TracedStatement& s = one.statements.front();
            if (!merged) {
                merged = std::move(s);
                merged->sql = unit.sql;
                continue;
            }
            merged->duration_ms += s.duration_ms;
            for (std::size_t i = 0; i < s.locks.size() && i < merged->locks.size(); ++i) {
                if (s.locks[i].held_ms && merged->locks[i].held_ms)
                    merged->locks[i].held_ms = std::max(*merged->locks[i].held_ms, *s.locks[i].held_ms);
            }
            for (auto& change : s.changes) merged->changes.push_back(std::move(change));
            if (s.model.verdict == ModelVerdict::Mismatch) merged->model = s.model;
        }
    }
    m_work.execute(runner::k_deallocate_batch_sql, "deallocating the batch");
    if (!merged) {  // an empty table: no batch ran
        merged = TracedStatement{};
        merged->line = unit.line;
        merged->column = unit.column;
        merged->sql = unit.sql;
        merged->model.model = model_answer(unit.model);
        merged->model.verdict = ModelVerdict::Unobserved;
    }
    run.statements.push_back(std::move(*merged));
}

TracedRun Session::run_plan(const plan::MigrationPlan& plan) {
    TracedRun run;
    m_migration_start = snapshot_relations(m_work);
    sql::LineIndex lines(plan.text);
    double clock_at_start = m_clock_ms;
    for (const auto& step : plan.steps) {
        check_interrupted();
        sql::Position position = lines.position(step.source.begin);
        Unit unit{step.sql, step_model(step.sql), static_cast<int>(position.line),
                  static_cast<int>(position.column)};
        if (step.batch) {
            try {
                run_batches(unit, *step.batch, run);
            } catch (const db::DatabaseError& e) {
                if (e.connection_lost()) throw;
                run.failure = ServerFailure{unit.line, unit.column, e.sqlstate(), server_message(e)};
                break;
            }
            continue;
        }
        if (!run_unit(unit, !step.transactional, run)) break;
    }
    run.duration_ms = m_clock_ms - clock_at_start;
    return run;
}

}  // namespace pgsafe::trace
