// DETACH PARTITION takes ACCESS EXCLUSIVE on the parent; DETACH PARTITION …
// CONCURRENTLY (PostgreSQL 14+) takes SHARE UPDATE EXCLUSIVE and runs outside
// a transaction. It must be the statement's only subcommand. PostgreSQL
// refuses it when the parent has a default partition, so it is offered only
// when the facts say the parent has none and no partition was added to it
// earlier in the run.
// Unlike the plain form, it leaves the detached table a CHECK constraint
// equal to its old bound (unless one of its constraints implies the bound),
// named as PostgreSQL names an unnamed CHECK. A step after it drops that
// CHECK by name (IF EXISTS: there is none when it was implied), so the
// schema ends as psql's; the rewrite is offered only when the facts give the
// name and no constraint of the schema holds it.

#include "rewrite.hpp"

#include "pgsafe/sql/edit.hpp"
#include "pgsafe/sql/pg_names.hpp"

#include <fmt/format.h>

namespace pgsafe::plan::detail {
namespace {

// The name of the CHECK DETACH … CONCURRENTLY gives `partition`, or why pgsafe cannot tell.
std::optional<std::string> added_check_name(const RewriteContext& ctx, const sql::RelationName& partition,
                                            std::string& why_not) {
    const analysis::TableFact* fact = ctx.facts.find(partition);
    if (fact == nullptr || !fact->partition_check_column || !fact->constraint_names ||
        ctx.names.reshaped(partition)) {
        why_not =
            "pgsafe does not know the name of the CHECK it leaves the detached table (give --db, or a "
            "snapshot from this version's `pgsafe stats export`)";
        return std::nullopt;
    }
    std::string name = sql::make_object_name(fact->name, *fact->partition_check_column, "check");
    if (auto taken = ctx.constraint_name_taken(partition, name)) {
        why_not = fmt::format(
            "PostgreSQL would number the name of the CHECK it leaves the detached table, {}", *taken);
        return std::nullopt;
    }
    return name;
}

}  // namespace

std::optional<Rewrite> detach_partition_concurrently(const RewriteContext& ctx) {
    if (!ctx.found(rules::rule_id::k_require_concurrent_partition_detach)) return std::nullopt;
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement.detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table || alter->actions.size() != 1 ||
        alter->actions[0].kind != sql::AlterKind::DetachPartition || alter->actions[0].concurrent)
        return std::nullopt;
    const analysis::TableFact* parent = ctx.facts.find(alter->table);
    if (parent == nullptr || parent->default_partition.value_or(true) ||
        ctx.names.constraints_added(alter->table)) {
        ctx.declined =
            "kept as written: CONCURRENTLY fails when the parent has a DEFAULT partition, and pgsafe does "
            "not know that this one has none (give --db, or a snapshot from this version's `pgsafe stats "
            "export`)";
        return std::nullopt;
    }
    const sql::RelationName& partition = alter->actions[0].partition;
    std::string why_not;
    auto check = added_check_name(ctx, partition, why_not);
    if (!check) {
        ctx.declined = "kept as written: " + why_not;
        return std::nullopt;
    }
    auto u = concurrent_unit(sql::StatementEdit(ctx.file, ctx.statement), Boundary::None,
                             rules::rule_id::k_require_concurrent_partition_detach,
                             "detaches under SHARE UPDATE EXCLUSIVE: queries on the parent go on");
    if (!u) return std::nullopt;
    Unit drop;
    drop.sql = sql::drop_constraint_sql(partition, *check, true);
    drop.boundary = Boundary::Own;
    drop.rule = rules::rule_id::k_require_concurrent_partition_detach;
    drop.why = fmt::format(
        "drops the CHECK equal to its old bound that CONCURRENTLY left \"{}\" (the plain DETACH leaves "
        "none): a brief lock on the detached table",
        partition.name);
    return Rewrite{{*u, drop}};
}

}  // namespace pgsafe::plan::detail
