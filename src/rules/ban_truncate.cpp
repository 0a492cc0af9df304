// ban-truncate: TRUNCATE in a migration. It deletes every row of the table
// (with CASCADE, of every table referencing it too) under ACCESS EXCLUSIVE;
// once committed nothing brings the rows back.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* truncate = std::get_if<sql::Truncate>(&ctx.statement().detail);
    if (truncate == nullptr) return;
    std::vector<std::string> tables;  // described, for the message
    const sql::RelationName* first = nullptr;
    for (const auto& table : truncate->tables) {
        if (ctx.created_in_pending_set(table)) continue;  // nothing anyone needs in it yet
        tables.push_back(ctx.describe(table));
        if (first == nullptr) first = &table;
    }
    if (first == nullptr) return;
    emit.report(
        {ctx.statement().span,
         fmt::format("TRUNCATE{} deletes every row of {}{} under ACCESS EXCLUSIVE (reads and writes "
                     "wait); once committed the rows cannot be brought back",
                     truncate->cascade ? " … CASCADE" : "", fmt::join(tables, " and "),
                     truncate->cascade ? " and of every table with a foreign key to them," : ""),
         "Delete data in a reviewed one-off script rather than a schema migration, or DELETE only the rows "
         "meant, in batches.",
         *first, std::nullopt, sql::LockMode::AccessExclusive});
}

}  // namespace

Rule ban_truncate() {
    return Rule{RuleInfo{"ban-truncate", "TRUNCATE in a migration: deletes every row", RuleGroup::Correctness,
                         Severity::Error, true,
                         "ACCESS EXCLUSIVE on each table (and with CASCADE, on referencing tables)",
                         "a reviewed one-off data script, or a batched DELETE of the rows meant"},
                check};
}

}  // namespace pgsafe::rules
