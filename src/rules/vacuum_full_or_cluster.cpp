// vacuum-full-or-cluster: VACUUM FULL and CLUSTER write a new copy of the
// table while holding ACCESS EXCLUSIVE, so nothing reads or writes it until
// the copy is done. There is no online form in PostgreSQL (pg_repack is one).

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

constexpr const char* k_help =
    "Do not rewrite tables in a migration; reclaim space or reorder rows online with pg_repack (or "
    "pg_squeeze), run by a DBA.";

void report_table(const Context& ctx, Emitter& emit, const char* what, const sql::RelationName& table) {
    emit.report(
        {ctx.statement().span,
         fmt::format("{} takes ACCESS EXCLUSIVE on {} and rewrites it: reads and writes wait until the "
                     "new copy is written",
                     what, ctx.describe(table)),
         k_help, table, std::nullopt, sql::LockMode::AccessExclusive});
}

// No table named: the statement walks the database (VACUUM FULL) or every
// table clustered before (CLUSTER); each is locked and rewritten in turn.
void report_all(const Context& ctx, Emitter& emit, const char* what, const char* which) {
    emit.report(
        {ctx.statement().span,
         fmt::format("{} without a table rewrites {}, each under ACCESS EXCLUSIVE: reads and writes of "
                     "each wait while it is copied",
                     what, which),
         k_help, std::nullopt, std::nullopt, sql::LockMode::AccessExclusive});
}

void check(const Context& ctx, Emitter& emit) {
    const auto& detail = ctx.statement().detail;
    if (const auto* vacuum = std::get_if<sql::Vacuum>(&detail)) {
        if (!vacuum->is_vacuum || !vacuum->full) return;
        if (vacuum->tables.empty())
            return report_all(ctx, emit, "VACUUM FULL", "every table of the database");
        for (const auto& table : vacuum->tables) report_table(ctx, emit, "VACUUM FULL", table);
    } else if (const auto* cluster = std::get_if<sql::Cluster>(&detail)) {
        if (cluster->table.empty()) return report_all(ctx, emit, "CLUSTER", "every table clustered before");
        report_table(ctx, emit, "CLUSTER", cluster->table);
    }
}

}  // namespace

Rule vacuum_full_or_cluster() {
    return Rule{
        RuleInfo{"vacuum-full-or-cluster", "VACUUM FULL or CLUSTER in a migration", RuleGroup::Availability,
                 Severity::Error, true, "ACCESS EXCLUSIVE on the table; rewrites it",
                 "none in pgsafe: pg_repack or pg_squeeze, run by a DBA"},
        check};
}

}  // namespace pgsafe::rules
