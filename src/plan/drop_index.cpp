// DROP INDEX takes ACCESS EXCLUSIVE on the index's table; DROP INDEX
// CONCURRENTLY waits for queries using it instead, outside a transaction.
// CONCURRENTLY drops one index at a time and has no CASCADE: a list becomes
// one step per index, and CASCADE stays as written, as does the index of a
// partitioned table (known from the facts or the pending set), which
// PostgreSQL cannot drop CONCURRENTLY.

#include "rewrite.hpp"

namespace pgsafe::plan::detail {

std::optional<Rewrite> drop_index_concurrently(const RewriteContext& ctx) {
    const auto* drop = std::get_if<sql::Drop>(&ctx.statement.detail);
    if (drop == nullptr || drop->object != sql::ObjectKind::Index || drop->concurrent || drop->cascade ||
        !ctx.found(rules::rule_id::k_require_concurrent_index_deletion))
        return std::nullopt;
    for (const auto& name : drop->names) {
        if (ctx.partitioned_index(name)) {
            ctx.declined =
                "kept as written: PostgreSQL cannot drop an index of a partitioned table CONCURRENTLY";
            return std::nullopt;
        }
    }
    Rewrite out;
    for (auto& one : sql::StatementEdit(ctx.file, ctx.statement).split_drop()) {
        auto u = concurrent_unit(std::move(one), Boundary::None,
                                 rules::rule_id::k_require_concurrent_index_deletion,
                                 "drops the index without blocking queries on its table");
        if (!u) return std::nullopt;
        out.units.push_back(std::move(*u));
    }
    if (out.units.empty()) return std::nullopt;
    return out;
}

}  // namespace pgsafe::plan::detail
