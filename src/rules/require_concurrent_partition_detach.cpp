// require-concurrent-partition-detach: DETACH PARTITION without CONCURRENTLY
// takes ACCESS EXCLUSIVE on the partitioned table, so every query through it
// waits (and queues behind long transactions). PostgreSQL 14+ can detach
// CONCURRENTLY, holding only SHARE UPDATE EXCLUSIVE on the parent.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr) return;
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::DetachPartition || action.concurrent) continue;
        std::string partition = action.partition.empty()
                                    ? std::string("the partition")
                                    : fmt::format("\"{}\"", action.partition.qualified());
        std::string help =
            ctx.options().pg_version >= 14
                ? "Detach with CONCURRENTLY, as a statement of its own outside any transaction block (not "
                  "possible when the table has a DEFAULT partition)."
                : "Upgrade to PostgreSQL 14 or later to detach CONCURRENTLY; until then run it in a "
                  "maintenance "
                  "window.";
        emit.report(
            {action.span,
             fmt::format("DETACH PARTITION takes ACCESS EXCLUSIVE on {} and on {}: every read and write "
                         "of the partitioned table waits until the transaction commits",
                         ctx.describe(alter->table), partition),
             help, alter->table,
             fmt::format("ALTER TABLE {} DETACH PARTITION {} CONCURRENTLY; -- outside BEGIN … COMMIT",
                         alter->table.qualified(),
                         action.partition.empty() ? std::string("…") : action.partition.qualified()),
             sql::LockMode::AccessExclusive});
    }
}

}  // namespace

Rule require_concurrent_partition_detach() {
    return Rule{RuleInfo{rule_id::k_require_concurrent_partition_detach,
                         "DETACH PARTITION without CONCURRENTLY", RuleGroup::Availability, Severity::Error,
                         true, "ACCESS EXCLUSIVE on the partitioned table and on the partition",
                         "DETACH PARTITION … CONCURRENTLY in its own transaction (PostgreSQL 14+)"},
                check};
}

}  // namespace pgsafe::rules
