#pragma once
// A second (third …) session that runs one part of a batched step's key
// (BatchRange) while the step's own session runs another: the same round
// trip per batch as the step's session (batch_sql.hpp), its last key
// recorded as its part's, committed with its rows. It stops at its first
// error of any kind, at a signal, or when asked, and leaves what is left of
// its part to the step's session, which waits, retries and reports as for
// any batch. So a worker can only save time: whatever stops it, the step's
// session does the rest of the part as it would have done all of it, after
// the last key the part's record holds once the worker's server process is
// gone (a batch whose reply was lost may still commit until then).

#include "batch_loop.hpp"
#include "batch_sql.hpp"
#include "executor.hpp"
#include "interrupt.hpp"

#include "pgsafe/db/connection.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pgsafe::runner {

// Sessions for the other parts of a batched step: up to `wanted`, opened on
// `conninfo` as the work session was, each kept only where it runs the
// batches as `work` does: transactions read committed by default (the
// parts' records share the step's row, and at a higher level the second
// record fails to serialize instead of waiting), not behind a pooler, and
// the same role, settings (but its name and the timeouts each batch sets),
// no temporary objects and no prepared statements. `why` says why fewer
// than `wanted` were opened ("" when all were).
struct WorkerSessions {
    std::vector<db::Connection> sessions;
    std::string why;
};
WorkerSessions open_worker_sessions(Executor& work, const std::string& conninfo, int wanted);

// Waits until the server process `pid` of a worker whose session is closed
// has ended; false when a signal came first.
bool wait_until_ended(Executor& work, int pid, InterruptWatch& interrupt);

// The last key part `part` of a step records (none: nothing done in it yet).
std::optional<std::vector<std::string>> recorded_part_last(Executor& work, const std::string& version,
                                                           int step, int part);

// Where a worker starts: after `after` (none: at its part's first key), up to `until` (none: the last key).
struct WorkerPart {
    int range = 0;
    std::optional<std::vector<std::string>> after;
    std::optional<std::vector<std::string>> until;
};

class BatchWorker {
public:
    // Prepares the step's statement on `session` and runs `part` in a thread
    // of its own, each batch as `trip` says (its after, until, limit and
    // range filled in per batch), sized as [run] says, not while `hold` is
    // set (the step's session waits for a replica then).
    BatchWorker(db::Connection session, const plan::Batch& batch, std::string prepare_sql, BatchTrip trip,
                WorkerPart part, const config::Run& settings, const std::atomic<bool>& hold,
                const InterruptWatch& interrupt);
    ~BatchWorker();  // stop() and wait()
    BatchWorker(const BatchWorker&) = delete;
    BatchWorker& operator=(const BatchWorker&) = delete;

    // Asks it to stop before its next batch, and cancels the one in flight.
    void stop() noexcept;
    bool running() const { return !m_ended.load(); }
    void wait();
    long long rows() const { return m_rows.load(); }

    // The worker's server process, as pg_stat_activity shows it.
    int backend_pid() const { return m_pid; }

    // After wait(): whether the part is done, and why it stopped early ("": it did not).
    bool finished() const { return m_finished; }
    const std::string& error() const { return m_error; }
    long batches() const { return m_batches; }
    std::chrono::milliseconds changing() const { return m_changing; }

private:
    void work() noexcept;
    void walk();
    // Sleeps `d` in short steps; false when asked to stop (or a signal came) meanwhile.
    bool sleep(std::chrono::milliseconds d) const;
    bool stopping() const { return m_stop.load() || m_interrupt.interrupted(); }

    db::Connection m_session;
    int m_pid = 0;
    const plan::Batch& m_batch;
    std::string m_prepare_sql;
    BatchTrip m_trip;
    WorkerPart m_part;
    const config::Run& m_run;
    BatchSizer m_sizer;
    const std::atomic<bool>& m_hold;
    const InterruptWatch& m_interrupt;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_ended{false};
    std::atomic<long long> m_rows{0};
    bool m_finished = false;
    std::string m_error;
    long m_batches = 0;
    std::chrono::milliseconds m_changing{0};
    std::thread m_thread;
};

}  // namespace pgsafe::runner
