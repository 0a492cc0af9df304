// Reading the streaming replicas' lag, and judging it (replica_lag.hpp).

#include "replica_lag.hpp"

#include "batch_sql.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pgsafe::runner {
namespace {

// A replica that reports no replay time yet is lagging when it is this far behind.
constexpr long long k_behind_bytes = 16LL * 1024 * 1024;

}  // namespace

std::vector<Replica> read_replicas(Executor& work) {
    std::vector<Replica> out;
    for (const auto& row : work.query(k_replica_lag_sql, "reading the replicas' lag")) {
        Replica r{row.at(0).value_or("?"), std::nullopt, row.at(2) ? std::stoll(*row.at(2)) : 0};
        if (row.at(1)) r.lag = std::stod(*row.at(1));
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<Replica> replicas_from_json(const std::optional<std::string>& text) {
    std::vector<Replica> out;
    if (!text) return out;
    for (const auto& item : nlohmann::json::parse(*text)) {
        Replica r;
        r.name = item.at(0).is_string() ? item.at(0).get<std::string>() : "?";
        if (item.at(1).is_number()) r.lag = item.at(1).get<double>();
        if (item.at(2).is_number()) r.behind = item.at(2).get<long long>();
        out.push_back(std::move(r));
    }
    return out;
}

std::string replica_lag(const std::vector<Replica>& replicas, std::chrono::milliseconds max_lag) {
    for (const auto& r : replicas) {
        if (r.behind <= 0) continue;  // replayed everything the primary wrote
        if (r.lag) {
            if (*r.lag * 1000 > static_cast<double>(max_lag.count()))
                return fmt::format("replica \"{}\" replays {:.1f} s behind (max_replica_lag_ms {})", r.name,
                                   *r.lag, max_lag.count());
        } else if (r.behind > k_behind_bytes) {
            return fmt::format("replica \"{}\" is {} MB behind and reports no replay lag yet", r.name,
                               r.behind / (1024 * 1024));
        }
    }
    return "";
}

}  // namespace pgsafe::runner
