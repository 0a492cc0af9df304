// REINDEX blocks writes (and reads that use the index) for the whole
// rebuild; REINDEX … CONCURRENTLY builds a new copy beside the old one,
// outside a transaction. System catalogs cannot be reindexed concurrently.

#include "rewrite.hpp"

namespace pgsafe::plan::detail {

std::optional<Rewrite> reindex_concurrently(const RewriteContext& ctx) {
    const auto* reindex = std::get_if<sql::Reindex>(&ctx.statement.detail);
    if (reindex == nullptr || reindex->concurrent || reindex->kind == sql::ReindexKind::System ||
        !ctx.found(rules::rule_id::k_require_concurrent_reindex))
        return std::nullopt;
    auto u = concurrent_unit(sql::StatementEdit(ctx.file, ctx.statement), Boundary::None,
                             rules::rule_id::k_require_concurrent_reindex,
                             "rebuilds beside the old index while reads and writes go on");
    if (!u) return std::nullopt;
    return Rewrite{{*u}};
}

}  // namespace pgsafe::plan::detail
