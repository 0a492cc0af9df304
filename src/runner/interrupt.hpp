#pragma once
// SIGINT and SIGTERM during a run: a watcher thread receives them (they are
// blocked everywhere else), sets a flag the runner checks between steps and
// batches, wakes its sleeps, and calls the canceller the runner registered
// for the statement in flight, which asks the server to cancel it. The
// runner then records the state, releases its lock and exits 130.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pgsafe::runner {

class InterruptWatch {
public:
    InterruptWatch();  // create before any other thread, so they inherit the blocked mask
    ~InterruptWatch();
    InterruptWatch(const InterruptWatch&) = delete;
    InterruptWatch& operator=(const InterruptWatch&) = delete;

    bool interrupted() const { return m_signal.load() != 0; }
    const char* signal_name() const;

    // What to call when a signal arrives while a statement runs; {} to clear.
    void set_canceller(std::function<void()> cancel);

    // Sleeps up to `duration`, or until a signal, or until `stop()` says so
    // (checked every `poll`). Returns false when interrupted.
    bool sleep_for(std::chrono::milliseconds duration, const std::function<bool()>& stop = {},
                   std::chrono::milliseconds poll = std::chrono::milliseconds(100));

private:
    void watch();
    std::atomic<int> m_signal{0};
    std::atomic<bool> m_done{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::function<void()> m_cancel;
    std::thread m_thread;
};

// Cancels through `watch` while alive: the runner wraps each statement in one.
class CancelScope {
public:
    CancelScope(InterruptWatch& watch, std::function<void()> cancel) : m_watch(watch) {
        m_watch.set_canceller(std::move(cancel));
    }
    ~CancelScope() { m_watch.set_canceller({}); }
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;

private:
    InterruptWatch& m_watch;
};

}  // namespace pgsafe::runner
