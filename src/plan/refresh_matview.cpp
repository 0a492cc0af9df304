// REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE: reads of the view wait for
// the whole refresh. … CONCURRENTLY takes EXCLUSIVE (reads go on) but needs a
// unique index on plain columns without WHERE, and a populated view: only
// then is it offered (index seen in the live database, the snapshot, or
// created earlier in the pending set; populated as the live database or the
// snapshot says, or refreshed with data earlier in the run).

#include "rewrite.hpp"

namespace pgsafe::plan::detail {
namespace {

// Whether the view is known to hold data when the refresh runs.
bool populated(const RewriteContext& ctx, const sql::RelationName& view) {
    if (auto refreshed = ctx.names.refreshed(view)) return *refreshed;
    if (ctx.pending.created(view)) return false;  // CREATE … WITH NO DATA is not in the IR: not known
    const analysis::TableFact* fact = ctx.facts.find(view);
    return fact != nullptr && fact->populated.value_or(false);
}

}  // namespace

std::optional<Rewrite> refresh_concurrently(const RewriteContext& ctx) {
    const auto* refresh = std::get_if<sql::RefreshMaterializedView>(&ctx.statement.detail);
    if (refresh == nullptr || refresh->concurrent || refresh->with_no_data ||
        !ctx.found(rules::rule_id::k_refresh_materialized_view_without_concurrently))
        return std::nullopt;
    if (!ctx.has_unique_index(refresh->view)) {
        ctx.declined =
            "kept as written: CONCURRENTLY needs a unique index on the view, and none is known "
            "(give --db or --stats, or create one earlier in the migrations)";
        return std::nullopt;
    }
    if (!populated(ctx, refresh->view)) {
        ctx.declined =
            "kept as written: CONCURRENTLY fails on a materialized view that holds no data (created or "
            "refreshed WITH NO DATA), and pgsafe does not know that this one holds data (give --db, or a "
            "snapshot from this version's `pgsafe stats export`)";
        return std::nullopt;
    }
    auto u = concurrent_unit(sql::StatementEdit(ctx.file, ctx.statement), Boundary::Shared,
                             rules::rule_id::k_refresh_materialized_view_without_concurrently,
                             "refreshes beside the old contents: reads of the view go on");
    if (!u) return std::nullopt;
    return Rewrite{{*u}};
}

}  // namespace pgsafe::plan::detail
