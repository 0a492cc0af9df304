// The batch loop of a batched step: each batch is the next keys in key order
// after the last key done (keyset pagination, never arithmetic on the key),
// found and changed in one short transaction that also records its last key,
// sent as one round trip. Its size adapts toward [run] batch_target_ms; it
// waits while a streaming replica lags more than [run] max_replica_lag_ms
// (read with each batch), and says why it waits.

#include "batch_loop.hpp"

#include "batch_table.hpp"
#include "batch_worker.hpp"
#include "replica_lag.hpp"
#include "sql_text.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <memory>

namespace pgsafe::runner {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds k_replica_poll{500};

// "id 42" or "(a, b) (1, x)", for messages.
std::string key_text(const plan::Batch& b, const std::vector<std::string>& values) {
    if (b.key.size() == 1) return fmt::format("{} {}", b.key.front(), values.front());
    return fmt::format("({}) ({})", fmt::join(b.key, ", "), fmt::join(values, ", "));
}

std::string thousands(double n) {
    std::string digits = fmt::format("{:.0f}", std::max(0.0, n));
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string duration_text(double seconds) {
    if (seconds < 60) return fmt::format("{:.0f} s", seconds);
    if (seconds < 3600)
        return fmt::format("{:.0f} min {:.0f} s", std::floor(seconds / 60), std::fmod(seconds, 60));
    return fmt::format("{:.0f} h {:.0f} min", std::floor(seconds / 3600), std::fmod(seconds, 3600) / 60);
}

// The types PostgreSQL gave the prepared batch's parameters ($1 … $2n), as
// SQL spells them; what batch_round_trip_sql casts the keys it found to.
std::vector<std::string> parameter_types(Executor& work) {
    std::vector<std::string> out;
    for (const auto& row : work.query("SELECT u.t::pg_catalog.text FROM pg_catalog.pg_prepared_statements p, "
                                      "pg_catalog.unnest(p.parameter_types) WITH ORDINALITY AS u(t, i) "
                                      "WHERE p.name = 'pgsafe_batch' ORDER BY u.i",
                                      "reading the batch's parameter types"))
        out.push_back(row.at(0).value_or(""));
    return out;
}

// Below this many rows (pg_class's estimate) the batches stay in one session.
constexpr double k_parts_min_rows = 10000;
// How many keys the sample that cuts the key into parts aims at.
constexpr double k_split_sample_keys = 100000;

class Loop {
public:
    Loop(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
         const BatchHooks& hooks)
        : m_run(run),
          m_view(view),
          m_step(step),
          m_batch(*step.batch),
          m_hooks(hooks),
          m_sizer(run.options.run) {
        (void)outcome;
    }

    void run() {
        const std::string& label = m_view.label;
        std::optional<long> limit = m_sizer.size();
        if (m_step.rule == std::string(rules::rule_id::k_unbatched_data_change)) {
            auto triggers = statement_triggers(m_run.work, m_batch);
            if (!triggers.empty()) {
                m_run.observer.note(fmt::format(
                    "  {}: {} has statement-level trigger{} {}, which would fire once per batch: running it "
                    "as "
                    "one statement, as psql would",
                    label, m_batch.qualified(), triggers.size() == 1 ? "" : "s", fmt::join(triggers, ", ")));
                limit.reset();
            }
        }
        check_table();
        m_estimate = estimated_rows(m_run.work, m_batch);
        resume_point();
        m_run.work.execute(prepare_batch_sql(m_step), label);
        undo_on_failure([&] {
            choose_round_trip();
            std::vector<db::Connection> sessions;
            if (!m_types.empty() && limit) sessions = worker_sessions();
            if (m_ranges.empty() && !m_after && !sessions.empty()) split(sessions.size() + 1);
            if (m_ranges.empty()) {
                walk(limit);
            } else {
                walk_parts(limit, std::move(sessions));
            }
        });
        m_run.work.execute(k_deallocate_batch_sql, "finishing the batches");
        summary();
    }

private:
    // Batch after batch until the keys (of the part in hand) are done.
    void walk(std::optional<long>& limit) {
        bool first = true;
        while (true) {
            if (m_run.interrupt.interrupted()) throw m_hooks.interrupted();
            if (!first) timed(m_paused, [&] { pause(); });
            first = false;
            timed(m_waited, [&] { wait_for_replicas(); });
            if (!one_batch(limit)) break;
        }
    }

    // Sessions for workers ([run] batch_workers - 1, fewer when the parts are
    // recorded already; none when the table is small or the parts are not
    // recorded but a part is done), each as the step's own would run the batches.
    std::vector<db::Connection> worker_sessions() {
        int wanted = m_run.options.run.batch_workers - 1;
        if (!m_ranges.empty()) wanted = std::min(wanted, int(m_ranges.size()) - 1);
        if (wanted <= 0 || (m_ranges.empty() && (m_after || m_estimate < k_parts_min_rows))) return {};
        WorkerSessions opened = open_worker_sessions(m_run.work, m_run.options.conninfo, wanted);
        if (!opened.why.empty())
            m_run.observer.note(fmt::format("  {}: running the batches in {} session{}: {}", m_view.label,
                                            opened.sessions.size() + 1, opened.sessions.empty() ? "" : "s",
                                            opened.why));
        return std::move(opened.sessions);
    }

    // Cuts the key into `parts` parts of about as many keys each (fewer when
    // a sample of the table finds too few keys), recorded before the first batch.
    void split(std::size_t parts) {
        double percent = std::clamp(100.0 * k_split_sample_keys / m_estimate, 0.0001, 100.0);
        std::vector<BatchRange> ranges;
        Executor::Rows rows;
        try {
            rows =
                m_run.work.query(split_keys_sql(m_batch, int(parts), percent), "cutting the key into parts");
        } catch (const db::DatabaseError& e) {
            if (e.connection_lost()) throw;
            m_run.observer.note(
                fmt::format("  {}: running the batches in one session: {}", m_view.label, e.what()));
            return;
        }
        for (const auto& row : rows)
            ranges.push_back({nlohmann::json::parse(row.at(0).value_or("[]")).get<std::vector<std::string>>(),
                              std::nullopt});
        if (ranges.empty()) return;
        ranges.push_back({std::nullopt, std::nullopt});
        m_run.work.execute(
            own_transaction_sql(m_run.lock_check +
                                batch_ranges_sql(m_view.version, m_step.number, m_batch, ranges)),
            "recording the batches' parts");
        m_ranges = std::move(ranges);
    }

    // The parts of the key: the first in this session, the others in workers
    // at the same time (as many as there are sessions); a part whose worker
    // stopped early, or that has none, is done here after the first.
    void walk_parts(std::optional<long>& limit, std::vector<db::Connection> sessions) {
        m_workers.resize(m_ranges.size());
        BatchTrip trip{std::nullopt,     std::nullopt,   std::nullopt,  m_types, m_hooks.timeouts_sql(),
                       m_run.lock_check, m_view.version, m_step.number, false,   std::nullopt};
        for (std::size_t i = 1; i < m_ranges.size() && !sessions.empty(); ++i) {
            m_workers[i] =
                std::make_unique<BatchWorker>(std::move(sessions.back()), m_batch, prepare_batch_sql(m_step),
                                              trip, WorkerPart{int(i), part_start(i), m_ranges[i].until},
                                              m_run.options.run, m_hold, m_run.interrupt);
            sessions.pop_back();
        }
        try {
            for (std::size_t i = 0; i < m_ranges.size(); ++i) {
                if (m_workers[i]) {
                    wait_for(*m_workers[i]);
                    if (m_workers[i]->finished()) {
                        done_with(m_workers[i]);
                        continue;
                    }
                    take_over(i);
                }
                m_range = int(i);
                m_until = m_ranges[i].until;
                m_after = part_start(i);
                m_finished = false;
                walk(limit);
            }
        } catch (...) {
            for (auto& w : m_workers)
                if (w) w->stop();
            for (auto& w : m_workers)
                if (w) w->wait();
            throw;
        }
    }

    // After worker i stopped early: says so, closes its session, waits until
    // its server process is gone (a batch of it that the worker never heard
    // back from commits or rolls back by then), and takes the part's last
    // key from its record, not from what the worker last heard.
    void take_over(std::size_t i) {
        BatchWorker& w = *m_workers[i];
        m_run.observer.note(
            fmt::format("  {}: the session running part {} of {} stopped ({}); going on with "
                        "its keys in this one",
                        m_view.label, i + 1, m_ranges.size(), w.error()));
        int pid = w.backend_pid();
        done_with(m_workers[i]);
        if (!wait_until_ended(m_run.work, pid, m_run.interrupt)) throw m_hooks.interrupted();
        m_ranges[i].last = recorded_part_last(m_run.work, m_view.version, m_step.number, int(i));
    }

    // Keeps what worker `w` did for the summary, and ends it (closing its session).
    void done_with(std::unique_ptr<BatchWorker>& w) {
        ++m_others.sessions;
        m_others.rows += static_cast<double>(w->rows());
        m_others.batches += w->batches();
        m_others.changing += w->changing();
        w.reset();
    }

    // Where part i starts: after its last key done, or after the part before it.
    std::optional<std::vector<std::string>> part_start(std::size_t i) const {
        if (m_ranges[i].last) return m_ranges[i].last;
        if (i > 0) return m_ranges[i - 1].until;
        return std::nullopt;
    }

    // Until worker `w` ends: reports the progress, watches the replicas for it.
    void wait_for(BatchWorker& w) {
        while (w.running()) {
            if (!m_run.interrupt.sleep_for(
                    k_replica_poll, [&w] { return !w.running(); }, milliseconds(20)))
                throw m_hooks.interrupted();
            timed(m_waited, [&] { wait_for_replicas(); });
            report(std::nullopt, std::nullopt);
        }
        w.wait();
    }

    // Stops before a batch runs when the batches would not leave what the
    // statement as written leaves (the plan checked this; earlier steps of the
    // run can have changed the table since).
    void check_table() {
        TableNow now = table_now(m_run.work, m_batch);
        if (!now.key_not_null)
            throw Error(
                ErrorKind::Database,
                fmt::format("{}: a column of the key the batches walk ({}) of {} allows NULL now, and "
                            "batches never reach a row whose key is NULL: stopped before the batches",
                            m_view.label, fmt::join(m_batch.key, ", "), m_batch.qualified()));
        if (!now.update_triggers.empty() &&
            m_step.rule == std::string(rules::rule_id::k_adding_field_with_volatile_default))
            throw Error(ErrorKind::Database,
                        fmt::format("{}: {} has UPDATE triggers now ({}) that the plan did not see; the "
                                    "backfill's UPDATE would fire them on every row, which ADD COLUMN does "
                                    "not: stopped before the batches (the column is added; its existing rows "
                                    "are not filled yet)",
                                    m_view.label, m_batch.qualified(), now.update_triggers));
    }

    // Where an earlier run stopped: after the last key it recorded.
    void resume_point() {
        if (m_batch.legacy_range) {
            if (m_step.batch_next) {
                m_after = std::vector<std::string>{std::to_string(*m_step.batch_next)};
                m_inclusive = true;
            }
        } else if (!m_step.batch_ranges.empty()) {
            m_ranges = m_step.batch_ranges;
            m_run.observer.note(
                fmt::format("  {}: resuming the batches in {} parts", m_view.label, m_ranges.size()));
            return;
        } else if (m_step.batch_last && m_step.batch_last->size() == m_batch.key.size()) {
            m_after = *m_step.batch_last;
        }
        if (m_after)
            m_run.observer.note(fmt::format("  {}: resuming the batches {} {}", m_view.label,
                                            m_inclusive ? "at" : "after", key_text(m_batch, *m_after)));
    }

    template <typename F>
    void undo_on_failure(F&& f) {
        try {
            f();
        } catch (const db::DatabaseError& e) {
            if (!e.connection_lost()) quietly(k_deallocate_batch_sql);
            throw;
        } catch (...) {
            quietly(k_deallocate_batch_sql);
            throw;
        }
    }

    void quietly(const std::string& sql) {
        try {
            m_run.work.execute(sql, "cleaning up");
        } catch (...) {
        }
    }

    void pause() {
        if (m_run.options.run.batch_pause.count() > 0 &&
            !m_run.interrupt.sleep_for(m_run.options.run.batch_pause))
            throw m_hooks.interrupted();
    }

    // One round trip per batch (batch_round_trip_sql) whenever statements
    // reach a server: not for --dry-run, which writes down each batch's
    // change with its keys, nor for a legacy range step.
    void choose_round_trip() {
        if (m_batch.legacy_range || m_run.work.backend_pid() == 0) return;
        m_types = parameter_types(m_run.work);
        if (m_types.size() != 2 * m_batch.key.size()) m_types.clear();
    }

    // Waits while a replica lags. The reading comes with the last batch's
    // round trip (no query of its own); while one lags, it is read again
    // every k_replica_poll.
    void wait_for_replicas() {
        milliseconds max_lag = m_run.options.run.max_replica_lag;
        if (max_lag.count() <= 0) return;
        std::string said;
        while (true) {
            std::vector<Replica> replicas = m_replicas ? std::move(*m_replicas) : read_replicas(m_run.work);
            m_replicas.reset();
            std::string why = replica_lag(replicas, max_lag);
            m_hold = !why.empty();  // the workers wait too
            if (why.empty()) break;
            if (why != said) {
                m_run.observer.batch_progress(m_view, fmt::format("{}: paused: {}", m_view.label, why),
                                              fraction());
                m_run.observer.note(fmt::format("  {}: paused: {}", m_view.label, why));
                said = why;
            }
            if (!m_run.interrupt.sleep_for(k_replica_poll)) throw m_hooks.interrupted();
        }
        if (!said.empty())
            m_run.observer.note(fmt::format("  {}: the replicas caught up; going on", m_view.label));
    }

    double fraction() const {
        if (m_estimate <= 0) return 0;
        return std::min(1.0, total_done() / m_estimate);
    }

    // Rows done here and by the workers.
    double total_done() const {
        double out = m_done + m_others.rows;
        for (const auto& w : m_workers)
            if (w) out += static_cast<double>(w->rows());
        return out;
    }

    // What one batch did: its keys, and how long its rows were locked.
    using Done = BatchDone;

    // Finds and runs the next batch; false when no keys are left.
    bool one_batch(std::optional<long>& limit) {
        if (m_finished) return false;
        const std::string& label = m_view.label;
        std::optional<Done> done;
        int tries = 0;
        auto started = Clock::now();
        while (true) {
            try {
                m_hooks.with_lock_retries([&] {
                    if (tries++ > 0 && limit && m_sizer.halve()) limit = m_sizer.size();
                    started = Clock::now();
                    done = m_types.empty() ? batch_in_steps(limit) : batch_in_one_round_trip(limit);
                });
                break;
            } catch (const db::DatabaseError& e) {
                // A statement timeout: the same keys again in a smaller batch, while there is one.
                if (e.connection_lost() || e.sqlstate() != "57014" || m_run.interrupt.interrupted() ||
                    !limit || !m_sizer.halve())
                    throw;
                limit = m_sizer.size();
                m_run.observer.note(
                    fmt::format("  {}: a batch ran past statement_timeout; retrying its keys "
                                "in batches of {}",
                                label, *limit));
            }
        }
        if (!done) return false;
        auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
        m_changing += done->changed;
        m_after = done->last;
        m_inclusive = false;
        m_done += static_cast<double>(done->keys);
        m_busy += took;
        ++m_batches;
        // Fewer keys than asked for: none were left after them when the batch ran.
        if (!limit || done->keys < *limit) m_finished = true;
        if (limit) {
            // Sized by the time its rows stayed locked (what an application
            // write to one of them waits for), not by the round trips around it.
            m_sizer.finished(done->keys, done->changed);
            limit = m_sizer.size();
        }
        report(done->keys, done->last);
        return true;
    }

    // One round trip: BEGIN, the next keys, the change, its record, COMMIT,
    // and the replicas' lag read right after (batch_round_trip_sql).
    std::optional<Done> batch_in_one_round_trip(std::optional<long> limit) {
        BatchTrip trip{m_after,
                       m_until,
                       limit,
                       m_types,
                       m_hooks.timeouts_sql(),
                       m_run.lock_check,
                       m_view.version,
                       m_step.number,
                       m_run.options.run.max_replica_lag.count() > 0,
                       m_range};
        Executor::Rows rows;
        CancelScope scope(m_run.interrupt, [&work = m_run.work] { work.cancel(); });
        m_run.observer.statement_started(m_view, m_run.work.backend_pid());
        try {
            rows = m_run.work.query(batch_round_trip_sql(m_batch, trip), m_view.label);
        } catch (const db::DatabaseError& e) {
            m_run.observer.statement_finished(m_view);
            // Left in a failed transaction, unless it was the reading after COMMIT that failed.
            if (!e.connection_lost()) quietly("ROLLBACK");
            throw;
        }
        m_run.observer.statement_finished(m_view);
        if (trip.replicas && !rows.empty()) m_replicas = replicas_from_json(rows[0].at(2));
        return batch_done(rows, m_batch.key.size());
    }

    // Three round trips in a transaction (the timeouts with the next keys, the
    // change with its record, COMMIT), the keys read before the change is
    // sent: what --dry-run writes down, and how a legacy range step runs.
    std::optional<Done> batch_in_steps(std::optional<long> limit) {
        std::optional<Done> done;
        m_hooks.in_transaction([&] {
            auto rows = m_run.work.query(
                m_hooks.timeouts_sql() + "\n" + next_batch_sql(m_batch, m_after, limit, m_inclusive, m_until),
                "finding the next batch");
            if (rows.empty() || !rows[0][0]) return;
            const auto& row = rows[0];
            std::size_t n = m_batch.key.size();
            Done d;
            d.keys = std::stol(row.at(0).value_or("0"));
            for (std::size_t i = 0; i < n; ++i) {
                d.first.push_back(row.at(1 + i).value_or(""));
                d.last.push_back(row.at(1 + n + i).value_or(""));
            }
            timed(d.changed, [&] {
                m_hooks.execute_cancellable(execute_sql(d.first, d.last) + "\n" + k_own_settings_sql + "\n" +
                                            m_run.lock_check + done_sql(d.last));
            });
            done = std::move(d);
        });
        return done;
    }

    std::string execute_sql(const std::vector<std::string>& first,
                            const std::vector<std::string>& last) const {
        if (!m_batch.legacy_range) return execute_batch_sql(first, last);
        // [$1, $2): one past the last key, which bigint cannot hold past its maximum.
        long long hi = std::stoll(last.front());
        if (hi == LLONG_MAX)
            throw Error(
                ErrorKind::Database,
                fmt::format("{}: this step was planned by an older pgsafe with bigint ranges, which "
                            "cannot reach key {}; plan it again (pgsafe migrate replans unfinished steps "
                            "of a changed file)",
                            m_view.label, hi));
        return execute_batch_sql(first, {std::to_string(hi + 1)});
    }

    std::string done_sql(const std::vector<std::string>& last) const {
        if (m_batch.legacy_range)
            return batch_done_sql(m_view.version, m_step.number, std::stoll(last.front()) + 1);
        if (m_range) return batch_done_sql(m_view.version, m_step.number, *m_range, last);
        return batch_done_sql(m_view.version, m_step.number, m_batch, last);
    }

    template <typename F>
    static void timed(milliseconds& total, F&& f) {
        auto started = Clock::now();
        try {
            f();
        } catch (...) {
            total += std::chrono::duration_cast<milliseconds>(Clock::now() - started);
            throw;
        }
        total += std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    }

    // Where the time went: the rows' change with the record of its last key,
    // the batches' own work (BEGIN, finding the next keys, COMMIT), the
    // pauses, and the waits for replicas.
    void summary() {
        if (m_batches + m_others.batches == 0) return;
        auto ms = [](milliseconds d) {
            return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000);
        };
        auto total = std::chrono::duration_cast<milliseconds>(Clock::now() - m_started);
        std::string others;
        if (m_others.sessions > 0)
            others = fmt::format(
                "; at the same time in {} more session{}: {} rows in {} batch{}, changing and "
                "recording rows {}",
                m_others.sessions, m_others.sessions == 1 ? "" : "s", thousands(m_others.rows),
                m_others.batches, m_others.batches == 1 ? "" : "es", ms(m_others.changing));
        m_run.observer.note(
            fmt::format("  {}: {} rows in {} batch{}, {}: changing and recording rows {}, the batches' "
                        "own work {}, pauses {}, waiting for replicas {}{}",
                        m_view.label, thousands(m_done), m_batches, m_batches == 1 ? "" : "es", ms(total),
                        ms(m_changing), ms(m_busy - m_changing), ms(m_paused), ms(m_waited), others));
    }

    // Progress: after one of this session's batches (its size and last key),
    // or while it waits for a worker (nullopt).
    void report(std::optional<long> keys, const std::optional<std::vector<std::string>>& last) {
        double done = total_done();
        double seconds = std::chrono::duration<double>(Clock::now() - m_started).count();
        double rate = seconds > 0 ? done / seconds : 0;
        std::string of = m_estimate > 0 ? fmt::format(" of ~{}", thousands(std::max(m_estimate, done))) : "";
        std::string eta;
        if (m_estimate > done && rate > 0) eta = ", ETA " + duration_text((m_estimate - done) / rate);
        std::string where = keys && last ? fmt::format(", up to {}; batch {} rows", key_text(m_batch, *last),
                                                       thousands(static_cast<double>(*keys)))
                                         : "; waiting for the other sessions' batches";
        m_run.observer.batch_progress(m_view,
                                      fmt::format("{}: {} rows{} done{}, {} rows/s{}", m_view.label,
                                                  thousands(done), of, where, thousands(rate), eta),
                                      fraction());
    }

    StepRun& m_run;
    const StepView& m_view;
    const StoredStep& m_step;
    const plan::Batch& m_batch;
    const BatchHooks& m_hooks;
    BatchSizer m_sizer;
    std::optional<std::vector<std::string>> m_after;  // the last key done (or, legacy, the next to do)
    bool m_inclusive = false;
    double m_estimate = 0;
    double m_done = 0;
    milliseconds m_busy{0};      // in the batches' transactions
    milliseconds m_changing{0};  // in the migration's statement and the batch's record
    milliseconds m_paused{0};
    milliseconds m_waited{0};  // for replicas
    long m_batches = 0;
    bool m_finished = false;  // the last batch took the last keys
    // The key in parts, each run by a session of its own (empty: one part, this session's).
    std::vector<BatchRange> m_ranges;
    std::optional<int> m_range;                       // the part this session is walking
    std::optional<std::vector<std::string>> m_until;  // its last key
    std::atomic<bool> m_hold{false};  // set while a replica lags: the workers wait (so it outlives them)
    std::vector<std::unique_ptr<BatchWorker>> m_workers;  // by part; none for the parts done here
    // What the workers did, once each ended.
    struct {
        int sessions = 0;
        double rows = 0;
        long batches = 0;
        milliseconds changing{0};
    } m_others;
    // The prepared batch's parameter types: empty when batches take three round trips.
    std::vector<std::string> m_types;
    // The replicas as the last batch's round trip read them.
    std::optional<std::vector<Replica>> m_replicas;
    Clock::time_point m_started = Clock::now();
};

}  // namespace

BatchSizer::BatchSizer(const config::Run& run)
    : m_min(std::max(1L, run.batch_min)),
      m_max(std::max(m_min, run.batch_max)),
      m_target(std::max(milliseconds(1), run.batch_target)),
      m_size(m_min) {}

void BatchSizer::finished(long keys, milliseconds took) {
    if (keys < m_size) return;  // the last, short batch says nothing about the speed
    double factor =
        took.count() <= 0 ? 1.2 : static_cast<double>(m_target.count()) / static_cast<double>(took.count());
    factor = std::clamp(factor, 0.5, 1.2);
    m_size = std::clamp(static_cast<long>(static_cast<double>(m_size) * factor), m_min, m_max);
}

bool BatchSizer::halve() {
    if (m_size <= m_min) return false;
    m_size = std::max(m_min, m_size / 2);
    return true;
}

void run_batch_loop(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
                    const BatchHooks& hooks) {
    Loop(run, view, step, outcome, hooks).run();
}

}  // namespace pgsafe::runner
