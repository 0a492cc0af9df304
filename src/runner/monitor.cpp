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
        "SELECT p.phase, p.blocks_done, p.blocks_total, array_to_string(pg_blocking_pids({0}), ', ') "
        "FROM (SELECT 1) one LEFT JOIN pg_stat_progress_create_index p ON p.pid = {0}",
        pid);
}

double to_double(const std::optional<std::string>& v) {
    return v ? std::stod(*v) : 0.0;
}

}  // namespace

StepMonitor::Watch::~Watch() {
    if (!m_thread) return;
    {
        std::lock_guard<std::mutex> lock(m_stop->mutex);
        m_stop->requested = true;
    }
    m_stop->changed.notify_one();
    m_thread->join();
}

StepMonitor::Watch StepMonitor::watch(int pid, const StepView& step) {
    auto stop = std::make_shared<Stop>();
    auto thread = std::make_unique<std::thread>([this, pid, step, stop] { poll(pid, step, *stop); });
    return Watch(std::move(thread), stop);
}

void StepMonitor::poll(int pid, const StepView& step, Stop& stop) {
    auto start = std::chrono::steady_clock::now();
    const std::string query = progress_query(pid);
    while (true) {
        {
            std::unique_lock<std::mutex> lock(stop.mutex);
            if (stop.changed.wait_for(lock, k_poll, [&] { return stop.requested; })) break;
        }
        double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::optional<double> fraction;
        std::string text = fmt::format("{}: {:.0f} s", step.label, elapsed);
        if (step.estimated_seconds && *step.estimated_seconds > 0) {
            text += fmt::format(" of about {:.0f} s", *step.estimated_seconds);
            fraction = std::min(0.99, elapsed / *step.estimated_seconds);
        }
        try {
            if (!m_connection) {
                m_connection =
                    std::make_unique<db::Connection>(open_session(m_conninfo, "pgsafe migrate (monitor)"));
            }
            auto rows = m_connection->query(query, "reading the step's progress");
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
        m_progress.update(text, fraction);
    }
    m_progress.clear();
}

}  // namespace pgsafe::runner
