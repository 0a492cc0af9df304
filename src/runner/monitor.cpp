// The step monitor's polling loop. It never fails the step: if its own
// session cannot be opened or a query fails, the step just runs unwatched.

#include "monitor.hpp"

#include "session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace pgsafe::runner {
namespace {

constexpr auto k_poll = std::chrono::milliseconds(1000);

std::string progress_query(int pid) {
    return fmt::format(
        "SELECT p.phase, p.blocks_done, p.blocks_total, "
        "pg_catalog.array_to_string(pg_catalog.pg_blocking_pids({0}), ', ') "
        "FROM (SELECT 1) one LEFT JOIN pg_catalog.pg_stat_progress_create_index p ON p.pid = {0}",
        pid);
}

double to_double(const std::optional<std::string>& v) {
    return v ? std::stod(*v) : 0.0;
}

}  // namespace

StepMonitor::~StepMonitor() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_changed.notify_one();
    if (m_thread.joinable()) m_thread.join();
}

void StepMonitor::watch(int pid, const StepView& step) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_watched = Watched{pid, step, std::chrono::steady_clock::now()};
    ++m_generation;
    m_shown = false;
    // The thread wakes at least once per k_poll and sees the watch before it
    // is k_poll old: no need to wake it for statements that end before.
    if (!m_thread.joinable()) m_thread = std::thread([this] { loop(); });
}

void StepMonitor::unwatch() {
    bool shown = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_watched.reset();
        ++m_generation;
        shown = m_shown;
        m_shown = false;
    }
    if (shown) m_progress.clear();
}

void StepMonitor::loop() {
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_quit) {
        if (!m_watched) {
            m_changed.wait_for(lock, k_poll, [&] { return m_quit; });
            continue;
        }
        std::uint64_t generation = m_generation;
        auto due = m_watched->since + k_poll * (m_watched->polls + 1);
        if (m_changed.wait_until(lock, due, [&] { return m_quit || m_generation != generation; })) continue;
        ++m_watched->polls;
        Watched watched = *m_watched;
        lock.unlock();
        poll(watched, generation);
        lock.lock();
    }
}

void StepMonitor::poll(const Watched& watched, std::uint64_t generation) {
    const StepView& step = watched.step;
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - watched.since).count();
    std::optional<double> fraction;
    std::string text = fmt::format("{}: {:.0f} s", step.label, elapsed);
    if (step.estimated_seconds && *step.estimated_seconds > 0) {
        text += fmt::format(" of about {:.0f} s", *step.estimated_seconds);
        fraction = std::min(0.99, elapsed / *step.estimated_seconds);
    }
    try {
        if (!m_connection)
            m_connection =
                std::make_unique<db::Connection>(open_session(m_conninfo, "pgsafe migrate (monitor)"));
        auto rows = m_connection->query(progress_query(watched.pid), "reading the step's progress");
        const auto& r = rows.at(0);
        if (r[0]) {
            text += ", " + *r[0];
            double total = to_double(r[2]);
            if (total > 0) {
                fraction = to_double(r[1]) / total;
                text += fmt::format(" ({} of {} blocks)", r[1].value_or("0"), r[2].value_or("0"));
            }
        }
        if (r[3] && !r[3]->empty()) text += fmt::format(", waiting for pid {}", *r[3]);
    } catch (const std::exception& e) {
        spdlog::debug("step monitor: {}", e.what());
        m_connection.reset();
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_generation != generation) return;  // the statement ended meanwhile: nothing to show
    m_progress.update(text, fraction);
    m_shown = true;
}

}  // namespace pgsafe::runner
