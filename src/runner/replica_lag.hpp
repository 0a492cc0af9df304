#pragma once
// The streaming replicas as a batched step watches them: read from
// pg_stat_replication (on their own, or in a batch's round trip), and
// whether one lags too far for the next batch.

#include "executor.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// One streaming replica as k_replica_lag_sql (batch_sql.hpp) reads it.
struct Replica {
    std::string name;
    std::optional<double> lag;  // replay_lag in s; none until the replica reports one
    long long behind = 0;       // bytes of WAL not replayed yet
};

std::vector<Replica> read_replicas(Executor& work);
// The replicas as a batch's round trip reads them (batch_round_trip_sql's third column).
std::vector<Replica> replicas_from_json(const std::optional<std::string>& text);
// Why the next batch should wait for the replicas, or "" when none lags:
// one replays more than `max_lag` behind, or reports no replay time yet
// and is more than 16 MB behind. Pure.
std::string replica_lag(const std::vector<Replica>& replicas, std::chrono::milliseconds max_lag);

}  // namespace pgsafe::runner
