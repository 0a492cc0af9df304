// A worker session of a batched step: its part of the key, batch by batch,
// in a thread of its own; the first error ends it (batch_worker.hpp).

#include "batch_worker.hpp"

#include "pgsafe/db/error.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pgsafe::runner {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

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
