#pragma once
// A batched step (plan::Batch) run batch by batch: keyset pagination over
// the table's primary key, batch sizes adapted toward a target duration,
// paused while a streaming replica lags, the last key done recorded with
// each batch so a killed run resumes after it.

#include "batch_sql.hpp"
#include "execute_step.hpp"

#include "pgsafe/config/settings.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// The step runner's own ways of running a statement, handed to the loop so
// that batches wait, retry and get cancelled like every other step.
struct BatchHooks {
    // attempt() until it succeeds; lock timeouts and deadlocks retried with backoff.
    std::function<void(const std::function<void()>& attempt)> with_lock_retries;
    // f() inside BEGIN … COMMIT.
    std::function<void(const std::function<void()>& f)> in_transaction;
    // The migration's own SQL: cancelled on SIGINT/SIGTERM, watched by observers.
    std::function<void(const std::string& sql)> execute_cancellable;
    // The error to throw when the run was interrupted.
    std::function<Error()> interrupted;
    // SET LOCAL of this try's timeouts (longer once after an autovacuum was found in the way).
    std::function<std::string()> timeouts_sql;
};

void run_batch_loop(StepRun& run, const StepView& view, const StoredStep& step, StepOutcome& outcome,
                    const BatchHooks& hooks);

// How many keys the next batch takes: starts at batch_min, moves toward
// batch_target by at most x1.2 up (and at most halves down) per batch, is
// halved after a timeout, and stays within [batch_min, batch_max].
class BatchSizer {
public:
    explicit BatchSizer(const config::Run& run);
    long size() const { return m_size; }
    // A batch of `keys` keys (the batch asked for `size()`) took `took`.
    void finished(long keys, std::chrono::milliseconds took);
    // After a timeout: half the size; false when it already was batch_min.
    bool halve();

private:
    long m_min;
    long m_max;
    std::chrono::milliseconds m_target;
    long m_size;
};

}  // namespace pgsafe::runner
