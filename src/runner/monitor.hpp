#pragma once
// Watching a long step from a second session while it runs: the phase and
// blocks of CREATE INDEX CONCURRENTLY (pg_stat_progress_create_index), the
// sessions it waits for (pg_blocking_pids: CONCURRENTLY waits for every
// older transaction), and elapsed time against the plan's estimate.

#include "progress.hpp"

#include "pgsafe/runner/observer.hpp"

#include "pgsafe/db/connection.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace pgsafe::runner {

class StepMonitor {
public:
    StepMonitor(std::string conninfo, Progress& progress)
        : m_conninfo(std::move(conninfo)), m_progress(progress) {}

    // Set when the watched statement ends; wakes the poll loop at once, so
    // ending a watch costs no waiting (most statements take a millisecond).
    struct Stop {
        std::mutex mutex;
        std::condition_variable changed;
        bool requested = false;
    };

    // Watches backend `pid` while the returned object lives.
    class Watch {
    public:
        ~Watch();
        Watch(Watch&&) = default;

    private:
        friend class StepMonitor;
        explicit Watch(std::unique_ptr<std::thread> thread, std::shared_ptr<Stop> stop)
            : m_thread(std::move(thread)), m_stop(std::move(stop)) {}
        std::unique_ptr<std::thread> m_thread;
        std::shared_ptr<Stop> m_stop;
    };
    Watch watch(int pid, const StepView& step);

private:
    void poll(int pid, const StepView& step, Stop& stop);
    std::string m_conninfo;
    Progress& m_progress;
    std::unique_ptr<db::Connection> m_connection;  // opened on first use, used by one watch at a time
};

}  // namespace pgsafe::runner
