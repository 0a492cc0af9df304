// require-concurrent-index-deletion: DROP INDEX without CONCURRENTLY takes ACCESS
// EXCLUSIVE on the index's table; waiting for it queues every read and write of
// the table. DROP INDEX CONCURRENTLY waits for running transactions without that.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

#include <optional>

namespace pgsafe::rules {
namespace {

bool same_index(const sql::RelationName& dropped, const std::string& schema, const std::string& name) {
    return dropped.name == name && (dropped.schema.empty() || schema.empty() || dropped.schema == schema);
}

// The table of an index created earlier in this file (CREATE INDEX, or a named
// UNIQUE / PRIMARY KEY constraint) or by name in an earlier file of the
// pending set; the statement itself names only the index. A table created in
// the pending set is empty: its index is dropped as written (no finding).
std::optional<sql::RelationName> table_of(const Context& ctx, const sql::RelationName& index) {
    for (size_t i = ctx.index(); i-- > 0;) {
        const sql::Statement& s = *ctx.statements()[i].statement;
        if (const auto* create = std::get_if<sql::CreateIndex>(&s.detail)) {
            if (same_index(index,
                           create->schema_of_name.empty() ? create->table.schema : create->schema_of_name,
                           create->name))
                return create->table;
        } else if (const auto* alter = std::get_if<sql::AlterTable>(&s.detail)) {
            for (const auto& action : alter->actions) {
                if (!action.constraint) continue;
                auto kind = action.constraint->kind;
                if ((kind == sql::ConstraintKind::Unique || kind == sql::ConstraintKind::PrimaryKey) &&
                    same_index(index, alter->table.schema, action.constraint->name))
                    return alter->table;
            }
        }
    }
    return ctx.table_of_index(index);
}

void report(const Context& ctx, Emitter& emit, const sql::Drop& drop, const sql::RelationName& index) {
    std::optional<sql::RelationName> table = table_of(ctx, index);
    std::string on = table ? ctx.describe(*table)
                           : std::string(
                                 "the index's table (pgsafe knows only the index name, so it counts the "
                                 "table as large)");
    std::string help = "Use DROP INDEX CONCURRENTLY, one index per statement, outside any transaction block";
    help += drop.cascade ? "; it cannot CASCADE: drop the dependent objects first." : ".";
    emit.report(
        {ctx.statement().span,
         fmt::format("DROP INDEX \"{}\" takes ACCESS EXCLUSIVE on {}: while it waits for running "
                     "transactions, every read and write of the table queues behind it",
                     index.qualified(), on),
         help, table,
         fmt::format("DROP INDEX CONCURRENTLY {}{};", drop.if_exists ? "IF EXISTS " : "", index.qualified()),
         sql::LockMode::AccessExclusive});
}

void check(const Context& ctx, Emitter& emit) {
    const auto* drop = std::get_if<sql::Drop>(&ctx.statement().detail);
    if (drop == nullptr || drop->object != sql::ObjectKind::Index || drop->concurrent) return;
    for (const auto& index : drop->names) report(ctx, emit, *drop, index);
}

}  // namespace

Rule require_concurrent_index_deletion() {
    return Rule{
        RuleInfo{rule_id::k_require_concurrent_index_deletion, "Dropping an index without CONCURRENTLY",
                 RuleGroup::Availability, Severity::Error, true,
                 "ACCESS EXCLUSIVE on the index's table (brief, but reads and writes queue behind it)",
                 "DROP INDEX CONCURRENTLY, one index per statement, outside a transaction block"},
        check};
}

}  // namespace pgsafe::rules
