#pragma once
// Watching a long step from a second session while it runs: the phase and
// blocks of CREATE INDEX CONCURRENTLY (pg_stat_progress_create_index), the
// sessions it waits for (pg_blocking_pids: CONCURRENTLY waits for every
// older transaction), and elapsed time against the plan's estimate.

#include "progress.hpp"

#include "pgsafe/runner/observer.hpp"

#include "pgsafe/db/connection.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace pgsafe::runner {

class StepMonitor {
public:
    StepMonitor(std::string conninfo, Progress& progress)
        : m_conninfo(std::move(conninfo)), m_progress(progress) {}
    // Stops the watching thread: woken at once, never waited for by sleeping.
    ~StepMonitor();
    StepMonitor(const StepMonitor&) = delete;
    StepMonitor& operator=(const StepMonitor&) = delete;

    // Watches backend `pid` running `step` until unwatch(). One thread, started
    // on the first watch, serves every statement of the run: starting and
    // ending a watch only sets what it watches (no thread per statement, and
    // no wake-up for the many statements that end within a second).
    void watch(int pid, const StepView& step);
    void unwatch();

private:
    struct Watched {
        int pid = 0;
        StepView step;
        std::chrono::steady_clock::time_point since;
        int polls = 0;  // the thread polls at since + k_poll * (polls + 1)
    };
    void loop();
    void poll(const Watched& watched, std::uint64_t generation);
    std::string m_conninfo;
    Progress& m_progress;
    std::unique_ptr<db::Connection> m_connection;  // opened on first use, by the thread only
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::optional<Watched> m_watched;
    std::uint64_t m_generation = 0;  // counts watch() and unwatch() calls
    bool m_shown = false;            // a progress line of the current watch is on screen
    bool m_quit = false;
    std::thread m_thread;
};

}  // namespace pgsafe::runner
