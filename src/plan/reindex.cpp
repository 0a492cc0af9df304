// REINDEX blocks writes (and reads that use the index) for the whole
// rebuild; REINDEX … CONCURRENTLY builds a new copy beside the old one,
// outside a transaction. System catalogs cannot be reindexed concurrently.

#include "rewrite.hpp"

namespace pgsafe::plan::detail {

std::optional<Rewrite> reindex_concurrently(const RewriteContext& ctx) {
    const auto* reindex = std::get_if<sql::Reindex>(&ctx.statement.detail);
    if (reindex == nullptr || reindex->concurrent || reindex->kind == sql::ReindexKind::System ||
        !ctx.found("require-concurrent-reindex"))
        return std::nullopt;
    sql::StatementEdit edit(ctx.file, ctx.statement);
    edit.make_concurrent();
    auto sql = edit.sql();
    if (!sql) return std::nullopt;
    Unit u;
    u.sql = *sql;
    u.boundary = Boundary::None;
    u.online = true;
    u.rule = "require-concurrent-reindex";
    u.why = "rebuilds beside the old index while reads and writes go on";
    return Rewrite{{u}};
}

}  // namespace pgsafe::plan::detail
