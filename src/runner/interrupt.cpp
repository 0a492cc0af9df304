// The signal watcher: sigwaitinfo on a thread of its own, so that the work
// done on a signal (cancelling a statement needs libpq) never runs inside a
// signal handler. The destructor wakes it with SIGUSR1 (k_wake) instead of
// letting it wait out a timeout, so ending a run costs no sleep.

#include "interrupt.hpp"

#include <pthread.h>

#include <csignal>
#include <ctime>

namespace pgsafe::runner {
namespace {

constexpr int k_wake = SIGUSR1;

// SIGINT and SIGTERM, and k_wake when `with_wake`.
sigset_t watched_signals(bool with_wake) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (with_wake) sigaddset(&set, k_wake);
    return set;
}

}  // namespace

InterruptWatch::InterruptWatch() {
    sigset_t set = watched_signals(true);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    m_thread = std::thread([this] { watch(); });
}

InterruptWatch::~InterruptWatch() {
    m_done = true;
    pthread_kill(m_thread.native_handle(), k_wake);
    m_thread.join();
    // A signal that arrived and was not consumed stays pending; it ends the
    // process as usual once unblocked, which is what a second Ctrl-C means.
    sigset_t set = watched_signals(true);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void InterruptWatch::watch() {
    sigset_t set = watched_signals(true);
    while (!m_done) {
        int sig = sigwaitinfo(&set, nullptr);
        if (sig <= 0 || sig == k_wake) continue;
        if (m_signal.load() == 0) m_signal = sig;
        std::function<void()> cancel;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            cancel = m_cancel;
        }
        if (cancel) cancel();
        m_wake.notify_all();
    }
}

const char* InterruptWatch::signal_name() const {
    switch (m_signal.load()) {
        case SIGINT: return "SIGINT";
        case SIGTERM: return "SIGTERM";
        default: return "";
    }
}

void InterruptWatch::set_canceller(std::function<void()> cancel) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_cancel = std::move(cancel);
    if (m_cancel && interrupted()) m_cancel();  // the signal came just before the statement
}

bool InterruptWatch::sleep_for(std::chrono::milliseconds duration, const std::function<bool()>& stop,
                               std::chrono::milliseconds poll) {
    auto until = std::chrono::steady_clock::now() + duration;
    while (!interrupted()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= until) return true;
        if (stop && stop()) return true;
        std::unique_lock<std::mutex> lock(m_mutex);
        m_wake.wait_for(lock, std::min<std::chrono::steady_clock::duration>(until - now, poll));
    }
    return false;
}

}  // namespace pgsafe::runner
