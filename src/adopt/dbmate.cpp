// dbmate (modelled on v2.36, table schema_migrations): one row per applied
// file, (version varchar PRIMARY KEY), the digits that start the file
// name. No checksum, no failed state (a failed migration leaves no row),
// no advisory lock. golang-migrate's table of the same name has a dirty
// column, which tells them apart.

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

const ToolSpec k_dbmate{Tool::Dbmate,      "dbmate", {"schema_migrations"}, {"version"}, {"dirty"}, "version",
                        KeyOrder::Numeric, read,     version_key,           nullptr,     nullptr};

}  // namespace pgsafe::adopt::detail
