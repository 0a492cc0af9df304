// DETACH PARTITION takes ACCESS EXCLUSIVE on the parent; DETACH PARTITION …
// CONCURRENTLY (PostgreSQL 14+) takes SHARE UPDATE EXCLUSIVE and runs outside
// a transaction. It must be the statement's only subcommand. PostgreSQL
// refuses it when the parent has a default partition, so it is offered only
// when the facts say the parent has none and no partition was added to it
// earlier in the run.
// Unlike the plain form, it leaves the detached table a CHECK constraint
// equal to its old bound (PostgreSQL's documented behaviour); the plan says so.

#include "rewrite.hpp"

namespace pgsafe::plan::detail {

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
    auto u =
        concurrent_unit(sql::StatementEdit(ctx.file, ctx.statement), Boundary::None,
                        rules::rule_id::k_require_concurrent_partition_detach,
                        "detaches under SHARE UPDATE EXCLUSIVE: queries on the parent go on; the detached "
                        "table keeps a CHECK constraint equal to its old bound");
    if (!u) return std::nullopt;
    return Rewrite{{*u}};
}

}  // namespace pgsafe::plan::detail
