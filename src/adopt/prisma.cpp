// Prisma Migrate (modelled on Prisma 5/6, table _prisma_migrations): (id,
// checksum varchar(64), finished_at, migration_name, logs, rolled_back_at,
// started_at, applied_steps_count). A migration is its folder,
// migrations/<timestamp>_<name>/migration.sql, keyed by the folder name;
// the checksum is SHA-256 hex of migration.sql, and Prisma accepts it with
// the file's line endings as they are, CRLF made LF, or LF made CRLF. A row
// with finished_at and rolled_back_at both NULL is a failed migration
// (P3009); a rolled-back row does not count.

#include "tool_spec.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        std::string name = text_of(r.value("migration_name", nlohmann::json()));
        bool finished = !r.value("finished_at", nlohmann::json()).is_null();
        bool rolled_back = !r.value("rolled_back_at", nlohmann::json()).is_null();
        if (rolled_back) continue;
        if (!finished) {
            history.failures.push_back(fmt::format(
                "Prisma: P3009 migrate found failed migrations in the target database, new migrations will "
                "not be applied. The `{}` migration started at {} failed. Resolve it with `prisma migrate "
                "resolve --rolled-back \"{}\"` (after undoing what it did) or `--applied \"{}\"`",
                name, text_of(r.value("started_at", nlohmann::json())), name, name));
            continue;
        }
        HistoryRow row;
        row.key = name;
        row.name = name;
        std::string checksum = text_of(r.value("checksum", nlohmann::json()));
        if (!checksum.empty()) row.checksum = checksum;
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

// The folder's name for Prisma's layout; a flat file's name without ".sql" otherwise.
std::string file_key(const source::MigrationFile& file) {
    if (auto folder = folder_of(file, "migration.sql")) return *folder;
    return file_stem(file);
}

std::optional<bool> matches(const HistoryRow& row, const std::string& bytes) {
    if (!row.checksum) return std::nullopt;
    auto sums = prisma_checksums(bytes);
    return std::find(sums.begin(), sums.end(), *row.checksum) != sums.end();
}

}  // namespace

// 72707369: Prisma's fixed key (schema-engine, postgres connector: pg_advisory_lock(72707369)).
const ToolSpec k_prisma{Tool::Prisma,
                        "prisma",
                        {"_prisma_migrations"},
                        {"migration_name", "checksum", "finished_at", "rolled_back_at"},
                        {},
                        "started_at, migration_name",
                        KeyOrder::Text,
                        read,
                        file_key,
                        matches,
                        [](const LockContext&) -> std::optional<long long> { return 72707369LL; }};

}  // namespace pgsafe::adopt::detail
