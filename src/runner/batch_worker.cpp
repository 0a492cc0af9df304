// A worker session of a batched step: its part of the key, batch by batch,
// in a thread of its own; the first error ends it (batch_worker.hpp).

#include "batch_worker.hpp"

#include "session.hpp"
#include "sql_text.hpp"

#include "pgsafe/db/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace pgsafe::runner {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// What a batch's statement can depend on in a session (its role, its
// settings but its name and the timeouts each batch sets for itself,
// whether it holds temporary objects or prepared statements), then the
// isolation its transactions default to.
const std::string k_session_state_sql =
    "SELECT pg_catalog.json_build_array(current_user, session_user, (SELECT pg_catalog.json_agg("
    "pg_catalog.json_build_array(name, setting) ORDER BY name) FROM pg_catalog.pg_settings WHERE name NOT IN "
    "('application_name', 'lock_timeout', 'statement_timeout') AND name NOT LIKE 'pgsafe.%'), (SELECT "
    "pg_catalog.count(*) FROM pg_catalog.pg_class WHERE relnamespace = pg_catalog.pg_my_temp_schema()), "
    "(SELECT pg_catalog.count(*) FROM pg_catalog.pg_prepared_statements WHERE name <> 'pgsafe_batch'))"
    "::pg_catalog.text, pg_catalog.current_setting('default_transaction_isolation')";

}  // namespace

WorkerSessions open_worker_sessions(Executor& work, const std::string& conninfo, int wanted) {
    WorkerSessions out;
    auto mine = work.query(k_session_state_sql, "reading the session's state").at(0);
    std::string level = mine.at(1).value_or("");
    if (level != "read committed") {
        out.why = fmt::format(
            "transactions default to {} isolation, where two sessions' progress records would conflict",
            level);
        return out;
    }
    for (int i = 0; i < wanted && out.why.empty(); ++i) {
        try {
            db::Connection c =
                open_session(conninfo, fmt::format("pgsafe migrate (batches {})", i + 2), SearchPath::Users);
            if (c.through_pooler())
                out.why = "the server connection goes through a pooler";
            else if (c.query(k_session_state_sql, "reading the session's state").at(0).at(0) != mine.at(0))
                out.why =
                    "the migration changed this session (a setting, the role or a temporary object), which a "
                    "new session would not have";
            else
                out.sessions.push_back(std::move(c));
        } catch (const std::exception& e) {
            out.why = fmt::format("opening another session failed: {}", e.what());
        }
    }
    return out;
}

bool wait_until_ended(Executor& work, int pid, InterruptWatch& interrupt) {
    const std::string ended = fmt::format(
        "SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity WHERE pid = {} AND application_name "
        "LIKE 'pgsafe migrate (batches %')",
        pid);
    while (work.query(ended, "waiting for the worker's session to end").at(0).at(0) !=
           std::optional<std::string>("t"))
        if (!interrupt.sleep_for(milliseconds(50))) return false;
    return true;
}

std::optional<std::vector<std::string>> recorded_part_last(Executor& work, const std::string& version,
                                                           int step, int part) {
    auto rows = work.query(
        fmt::format(
            "SELECT batch_last->'ranges'->{}->'last' FROM pgsafe.steps WHERE version = {} AND step = {}",
            part, literal(version), step),
        "reading the part's last key");
    if (rows.empty() || !rows[0].at(0)) return std::nullopt;
    auto last = nlohmann::json::parse(*rows[0][0]);
    if (!last.is_array()) return std::nullopt;
    return last.get<std::vector<std::string>>();
}

BatchWorker::BatchWorker(db::Connection session, const plan::Batch& batch, std::string prepare_sql,
                         BatchTrip trip, WorkerPart part, const config::Run& settings,
                         const std::atomic<bool>& hold, const InterruptWatch& interrupt)
    : m_session(std::move(session)),
      m_pid(m_session.backend_pid()),
      m_batch(batch),
      m_prepare_sql(std::move(prepare_sql)),
      m_trip(std::move(trip)),
      m_part(std::move(part)),
      m_run(settings),
      m_sizer(settings),
      m_hold(hold),
      m_interrupt(interrupt) {
    m_thread = std::thread([this] { work(); });
}

BatchWorker::~BatchWorker() {
    stop();
    wait();
}

void BatchWorker::stop() noexcept {
    m_stop = true;
    if (running()) m_session.cancel();
}

void BatchWorker::wait() {
    if (m_thread.joinable()) m_thread.join();
}

bool BatchWorker::sleep(milliseconds d) const {
    auto until = Clock::now() + d;
    while (Clock::now() < until) {
        if (stopping()) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(20), until - Clock::now()));
    }
    return !stopping();
}

void BatchWorker::work() noexcept {
    try {
        walk();
    } catch (const db::DatabaseError& e) {
        m_error = e.what();
        if (!e.connection_lost()) {
            try {
                m_session.execute("ROLLBACK", "ending the worker's batch");
            } catch (const std::exception& r) {
                spdlog::debug("{}", r.what());
            }
        }
    } catch (const std::exception& e) {
        m_error = e.what();
    }
    if (m_error.empty() && !m_finished) m_error = "stopped";
    m_ended = true;
}

void BatchWorker::walk() {
    m_session.execute(m_prepare_sql, "preparing the worker's batches");
    bool first = true;
    while (true) {
        while (m_hold.load())
            if (!sleep(milliseconds(100))) return;
        if (!first && m_run.batch_pause.count() > 0 && !sleep(m_run.batch_pause)) return;
        first = false;
        if (stopping()) return;
        BatchTrip trip = m_trip;
        trip.after = m_part.after;
        trip.until = m_part.until;
        trip.limit = m_sizer.size();
        trip.range = m_part.range;
        auto done = batch_done(m_session.query(batch_round_trip_sql(m_batch, trip), "a worker's batch"),
                               m_batch.key.size());
        if (!done) {
            m_finished = true;
            return;
        }
        m_part.after = done->last;
        m_rows += done->keys;
        m_changing += done->changed;
        ++m_batches;
        if (done->keys < *trip.limit) {
            m_finished = true;
            return;
        }
        m_sizer.finished(done->keys, done->changed);
    }
}

}  // namespace pgsafe::runner
