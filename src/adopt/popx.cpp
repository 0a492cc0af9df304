// ory/popx (modelled on popx v0.0.x as used by Kratos and Hydra, table
// schema_migration): (version varchar(48), version_self int). The version
// is the file name's leading digits; a version is applied when its row is
// there. No checksum, no failed state, no advisory lock.

#include "tool_spec.hpp"

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        HistoryRow row;
        row.key = text_of(r.value("version", nlohmann::json()));
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

}  // namespace

const ToolSpec k_popx{Tool::Popx,        "popx", {"schema_migration"}, {"version"}, {},     "version",
                      KeyOrder::Numeric, read,   version_key,          nullptr,     nullptr};

}  // namespace pgsafe::adopt::detail
