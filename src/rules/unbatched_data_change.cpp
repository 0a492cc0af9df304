// unbatched-data-change: UPDATE or DELETE without WHERE changes every row of
// the table in one transaction: each row stays locked until it commits, and
// its WAL and dead rows bloat the table and make replicas lag. Batches don't.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* change = std::get_if<sql::DataChange>(&ctx.statement().detail);
    if (change == nullptr || change->has_where) return;
    const bool update = change->kind == sql::DataChangeKind::Update;
    if (!update && change->kind != sql::DataChangeKind::Delete) return;
    const char* verb = update ? "UPDATE" : "DELETE";
    const std::string t = change->table.qualified();
    emit.report(
        {ctx.statement().span,
         fmt::format("{} without WHERE {} every row of {} in one transaction: each row stays locked "
                     "against other writers until it commits, and the WAL and dead rows it leaves "
                     "bloat the table and make replicas lag",
                     verb, update ? "rewrites" : "deletes", ctx.describe(change->table)),
         fmt::format("{} in batches by primary-key range (a few thousand rows each), each batch in its "
                     "own transaction.",
                     update ? "Update" : "Delete"),
         change->table,
         update ? fmt::format("UPDATE {} SET … WHERE id >= :start AND id < :start + 5000; -- repeat, "
                              "committing after each batch",
                              t)
                : fmt::format("DELETE FROM {} WHERE id >= :start AND id < :start + 5000; -- repeat, "
                              "committing after each batch",
                              t),
         std::nullopt});
}

}  // namespace

Rule unbatched_data_change() {
    return Rule{RuleInfo{rule_id::k_unbatched_data_change,
                         "UPDATE or DELETE of every row of a table in one statement", RuleGroup::Availability,
                         Severity::Error, true,
                         "ROW EXCLUSIVE on the table and a row lock on every row until commit; WAL and bloat",
                         "batches by primary-key range, each its own transaction"},
                check};
}

}  // namespace pgsafe::rules
