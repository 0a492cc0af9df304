#pragma once
// A batched step (plan::Batch) run batch by batch: keyset pagination over
// the table's primary key, batch sizes adapted toward a target duration,
// paused while a streaming replica lags, the last key done recorded with
// each batch so a killed run resumes after it.

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

// The statements the loop sends, for --dry-run's script and the tests.
// One batch: the first and last key of the next `limit` keys (all of them
// when nullopt) after `after` (none: from the start), with how many there
// are; a row (count, first…, last…) or no row when none are left.
// `inclusive` reads `after` as the first key to take (legacy range steps).
std::string next_batch_sql(const plan::Batch& batch, const std::optional<std::vector<std::string>>& after,
                           std::optional<long> limit, bool inclusive = false);
// One batch in one round trip, for a keyset step whose prepared statement
// (prepare_batch_sql) takes `parameter_types`: BEGIN, the timeouts, the next
// keys kept in a session setting, EXECUTE with them, pgsafe's own settings,
// the lock check and the batch's record (its last key; committed with its
// rows or not at all), COMMIT, then one row: the keys as a JSON array
// [count, first…, last…] ("[]" when none were left: the EXECUTE changed
// nothing and nothing was recorded), the ms from the change's start to
// COMMIT, and the replicas' lag as JSON [[name, lag s, bytes behind]…]
// (NULL when not asked for, or when there are none).
struct BatchTrip {
    std::optional<std::vector<std::string>> after;
    std::optional<long> limit;
    std::vector<std::string> parameter_types;  // $1 … $2n
    std::string timeouts;                      // SET LOCAL lock_timeout …
    std::string lock_check;
    std::string version;
    int step = 0;
    bool replicas = false;
};
std::string batch_round_trip_sql(const plan::Batch& batch, const BatchTrip& trip);
std::string prepare_batch_sql(const StoredStep& step);
inline const std::string k_deallocate_batch_sql = "DEALLOCATE pgsafe_batch;";
std::string execute_batch_sql(const std::vector<std::string>& first, const std::vector<std::string>& last);
// The streaming replicas as (name, replay lag in s or "", bytes behind or "").
inline const std::string k_replica_lag_sql =
    "SELECT coalesce(nullif(application_name, ''), client_addr::text, pid::text), "
    "extract(epoch FROM replay_lag)::float8, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint "
    "FROM pg_stat_replication ORDER BY 1";

}  // namespace pgsafe::runner
