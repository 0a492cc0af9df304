// golang-migrate (modelled on v4.17, table schema_migrations): exactly one
// row, (version bigint, dirty boolean), the last migration run; every file
// up to it counts as applied. dirty = true means a migration failed half
// way, and golang-migrate refuses to go on until `migrate force V`.

#include "tool_spec.hpp"

#include <fmt/format.h>

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        std::string version = text_of(r.value("version", nlohmann::json()));
        if (r.value("dirty", false) == true)
            history.failures.push_back(fmt::format(
                "golang-migrate: Dirty database version {}. Fix and force version. (`migrate force "
                "VERSION` with the last version that fully ran).",
                version));
        if (version == "-1") continue;  // NilVersion: migrated all the way down
        HistoryRow row;
        row.key = version;
        row.covers_earlier = true;
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

std::string file_key(const source::MigrationFile& file) {
    return version_key(file);
}

// crc32("schema\0table\0database") * 1486364155, in 32 bits (database/util.go).
std::optional<long long> lock_key(const LockContext& where) {
    std::string input = where.schema + '\0' + where.table + '\0' + where.database;
    std::uint32_t key = crc32(input) * 1486364155u;
    return static_cast<long long>(key);
}

}  // namespace

const ToolSpec k_golang_migrate{Tool::GolangMigrate,
                                "golang-migrate",
                                {"schema_migrations"},
                                {"version", "dirty"},
                                {},
                                "version",
                                KeyOrder::Numeric,
                                read,
                                file_key,
                                nullptr,
                                lock_key};

}  // namespace pgsafe::adopt::detail
