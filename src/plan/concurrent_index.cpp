// CREATE INDEX holds SHARE on the table for the whole build: writes wait.
// CREATE INDEX CONCURRENTLY builds it while reads and writes go on, outside a
// transaction; an unnamed index gets the name PostgreSQL would give it, so
// the runner can find and drop it if a failed build leaves it INVALID.
// Partitioned tables cannot be indexed CONCURRENTLY: those stay as written.

#include "rewrite.hpp"

namespace pgsafe::plan::detail {

std::optional<Rewrite> create_index_concurrently(const RewriteContext& ctx) {
    const auto* index = std::get_if<sql::CreateIndex>(&ctx.statement.detail);
    if (index == nullptr || index->concurrent ||
        !ctx.found(rules::rule_id::k_require_concurrent_index_creation))
        return std::nullopt;
    if (ctx.partitioned(index->table)) {
        ctx.declined =
            "kept as written: PostgreSQL cannot build an index CONCURRENTLY on a partitioned table; "
            "create it CONCURRENTLY on each partition, then on the parent with ON ONLY and ATTACH PARTITION";
        return std::nullopt;
    }
    sql::StatementEdit edit(ctx.file, ctx.statement);
    auto name = edit.index_name();
    if (name && index->name.empty()) {
        // PostgreSQL numbers a default name that is taken (…_idx1); pgsafe names it explicitly, so it must be
        // free.
        if (auto clash = ctx.name_clash(index->table, *name, true)) {
            ctx.declined =
                "kept as written: PostgreSQL would number the index's name, which may be taken: " + *clash;
            return std::nullopt;
        }
        edit.set_index_name(*name);
    }
    auto u =
        concurrent_unit(std::move(edit), Boundary::None, rules::rule_id::k_require_concurrent_index_creation,
                        "builds the index while reads and writes go on");
    if (!u) return std::nullopt;
    if (name) u->index = ctx.sibling(index->table, *name);  // an index lives in its table's schema
    return Rewrite{{*u}};
}

}  // namespace pgsafe::plan::detail
