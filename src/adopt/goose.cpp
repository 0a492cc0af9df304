// goose (modelled on v3.24, table goose_db_version): a row per up or down
// (id, version_id, is_applied, tstamp); a version is applied when its
// latest row says so. The version-0 row is goose's own sentinel. goose
// keeps no checksum and no dirty state: a failed migration leaves no row.

#include "tool_spec.hpp"

#include <map>

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    std::map<std::string, nlohmann::json> latest;  // by version, the last row (rows come by id)
    std::vector<std::string> order;
    for (const auto& r : rows) {
        std::string version = text_of(r.value("version_id", nlohmann::json()));
        if (version == "0") continue;
        if (latest.find(version) == latest.end()) order.push_back(version);
        latest[version] = r;
    }
    for (const auto& version : order) {
        const auto& r = latest[version];
        if (r.value("is_applied", false) != true) continue;
        HistoryRow row;
        row.key = version;
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

}  // namespace

// 5887940537704921958: crc64 (ECMA) of "goose", goose's DefaultLockID (lock/session_locker_options.go).
const ToolSpec k_goose{Tool::Goose,
                       "goose",
                       {"goose_db_version"},
                       {"id", "version_id", "is_applied"},
                       {},
                       "id",
                       KeyOrder::Numeric,
                       read,
                       version_key,
                       nullptr,
                       [](const LockContext&) -> std::optional<long long> { return 5887940537704921958LL; }};

}  // namespace pgsafe::adopt::detail
