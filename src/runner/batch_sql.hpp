#pragma once
// The statements a batched step sends: the next keys by keyset pagination,
// one batch in one round trip (keys, change, record, COMMIT, then what it
// did), and the prepared change. Text only: batch_loop.cpp sends them.

#include "tracking.hpp"

#include "pgsafe/plan/plan.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// The statements the loop sends, for --dry-run's script and the tests.
// One batch: the first and last key of the next `limit` keys (all of them
// when nullopt) after `after` (none: from the start), with how many there
// are; a row (count, first…, last…) or no row when none are left.
// `inclusive` reads `after` as the first key to take (legacy range steps).
std::string next_batch_sql(const plan::Batch& batch, const std::optional<std::vector<std::string>>& after,
                           std::optional<long> limit, bool inclusive = false,
                           const std::optional<std::vector<std::string>>& until = std::nullopt);
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
    std::optional<std::vector<std::string>> until;  // the last key this session's part may take
    std::optional<long> limit;
    std::vector<std::string> parameter_types;  // $1 … $2n
    std::string timeouts;                      // SET LOCAL lock_timeout …
    std::string lock_check;
    std::string version;
    int step = 0;
    bool replicas = false;
    // The step's key is run in parts (BatchRange): the batch records its last
    // key as this part's, not as the step's.
    std::optional<int> range;
};
std::string batch_round_trip_sql(const plan::Batch& batch, const BatchTrip& trip);
// What a batch's round trip did, from its rows: how many keys it took, the
// first and the last, and how long its rows were locked (the change to
// COMMIT); nullopt when no keys were left.
struct BatchDone {
    long keys = 0;
    std::vector<std::string> first;
    std::vector<std::string> last;
    std::chrono::milliseconds changed{0};
};
std::optional<BatchDone> batch_done(const std::vector<db::Connection::Row>& rows, std::size_t key_columns);
std::string prepare_batch_sql(const StoredStep& step);
// Where to cut a keyset step's key into `parts` parts of about as many keys
// each: the parts - 1 keys at the cuts in a sample of `percent` % of the
// table's pages, ascending, one row each (a JSON array of the key's values
// as text); fewer rows (none) when the sample has too few keys.
std::string split_keys_sql(const plan::Batch& batch, int parts, double percent);
inline const std::string k_deallocate_batch_sql = "DEALLOCATE pgsafe_batch;";
std::string execute_batch_sql(const std::vector<std::string>& first, const std::vector<std::string>& last);
// The streaming replicas as (name, replay lag in s or "", bytes behind or "").
inline const std::string k_replica_lag_sql =
    "SELECT coalesce(nullif(application_name, ''), client_addr::pg_catalog.text, pid::pg_catalog.text), "
    "extract(epoch FROM replay_lag)::pg_catalog.float8, "
    "pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), replay_lsn)::bigint "
    "FROM pg_catalog.pg_stat_replication ORDER BY 1";

}  // namespace pgsafe::runner
