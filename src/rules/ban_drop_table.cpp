// ban-drop-table: DROP TABLE of a table that exists. Its data is gone for
// good and application code deployed now that queries it fails. A table
// created earlier in the same pending set is fine to drop.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* drop = std::get_if<sql::Drop>(&ctx.statement().detail);
    if (drop == nullptr || drop->object != sql::ObjectKind::Table) return;
    std::vector<std::string> tables;  // described, for the message
    const sql::RelationName* first = nullptr;
    for (const auto& table : drop->names) {
        if (table.empty() || ctx.created_in_pending_set(table)) continue;
        tables.push_back(ctx.describe(table));
        if (first == nullptr) first = &table;
    }
    if (first == nullptr) return;
    emit.report(
        {ctx.statement().span,
         fmt::format("DROP TABLE deletes {} and all {} data for good{}: application code running now "
                     "that queries {} fails",
                     fmt::join(tables, " and "), tables.size() > 1 ? "their" : "its",
                     drop->cascade ? ", and CASCADE drops the views and foreign keys that depend on it" : "",
                     tables.size() > 1 ? "them" : "it"),
         "Release application code that no longer uses the table first, keep a backup, and drop it in a "
         "later migration with -- pgsafe:ignore ban-drop-table <why>.",
         *first, std::nullopt, std::nullopt});
}

}  // namespace

Rule ban_drop_table() {
    return Rule{RuleInfo{"ban-drop-table", "Dropping a table: its data is lost and running code breaks",
                         RuleGroup::Correctness, Severity::Error, true,
                         "ACCESS EXCLUSIVE; deletes the table and its data",
                         "stop using the table in a release first, back it up, then drop it deliberately"},
                check};
}

}  // namespace pgsafe::rules
