// Rails (Active Record 7, table schema_migrations, beside
// ar_internal_metadata): (version varchar PRIMARY KEY), the timestamp of
// each db/migrate/<version>_<name>.rb that ran. Ruby migrations are not
// SQL files pgsafe can read, so the history is adopted as a baseline:
// pgsafe records it and starts after it. Lock:
// pg_try_advisory_lock(2053462845 * crc32(current_database)) (Migrator::MIGRATOR_SALT).

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

std::optional<long long> lock_key(const LockContext& where) {
    return 2053462845LL * static_cast<long long>(crc32(where.database));
}

}  // namespace

const ToolSpec k_rails{Tool::Rails,       "rails", {"schema_migrations"}, {"version"}, {"dirty"}, "version",
                       KeyOrder::Numeric, read,    version_key,           nullptr,     lock_key,  true};

}  // namespace pgsafe::adopt::detail
