// sqlx (modelled on sqlx 0.8, table _sqlx_migrations): (version bigint,
// description, installed_on, success, checksum bytea, execution_time). The
// checksum is SHA-384 of the file's bytes as they are (a CRLF checkout
// differs). success = false is a migration that failed part way (older
// sqlx); sqlx refuses to go on ("migration … is partially applied").

#include "tool_spec.hpp"

#include <fmt/format.h>

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        std::string version = text_of(r.value("version", nlohmann::json()));
        if (r.value("success", true) == false) {
            history.failures.push_back(
                fmt::format("sqlx: migration {} is partially applied; fix and remove this migration from the "
                            "_sqlx_migrations table (success = false), then run `sqlx migrate run`",
                            version));
            continue;
        }
        HistoryRow row;
        row.key = version;
        row.name = text_of(r.value("description", nlohmann::json()));
        std::string checksum = text_of(r.value("checksum", nlohmann::json()));
        if (checksum.rfind("\\x", 0) == 0) row.checksum = checksum.substr(2);
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

std::optional<bool> matches(const HistoryRow& row, const std::string& bytes) {
    if (!row.checksum) return std::nullopt;
    return *row.checksum == sqlx_checksum(bytes);
}

// 0x3d32ad9e * crc32(database name) (sqlx-postgres migrate.rs, generate_lock_id).
std::optional<long long> lock_key(const LockContext& where) {
    return 0x3d32ad9eLL * static_cast<long long>(crc32(where.database));
}

}  // namespace

const ToolSpec k_sqlx{Tool::Sqlx,
                      "sqlx",
                      {"_sqlx_migrations"},
                      {"version", "description", "success", "checksum"},
                      {},
                      "version",
                      KeyOrder::Numeric,
                      read,
                      version_key,
                      matches,
                      lock_key};

}  // namespace pgsafe::adopt::detail
