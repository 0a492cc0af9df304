// refresh-materialized-view-without-concurrently: a plain REFRESH takes ACCESS
// EXCLUSIVE on the view for the whole recomputation, so every read of it
// waits. CONCURRENTLY lets reads go on (it needs a unique index on the view).

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* refresh = std::get_if<sql::RefreshMaterializedView>(&ctx.statement().detail);
    // WITH NO DATA empties the view without running its query: the lock is brief.
    if (refresh == nullptr || refresh->concurrent || refresh->with_no_data) return;
    emit.report(
        {ctx.statement().span,
         fmt::format("REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE on {} while it reruns the view's "
                     "query: every read of the view waits until the refresh ends",
                     ctx.describe(refresh->view)),
         "Refresh with CONCURRENTLY; it needs a unique index on the view (plain columns, no WHERE) and "
         "a view that is already populated.",
         refresh->view, fmt::format("REFRESH MATERIALIZED VIEW CONCURRENTLY {};", refresh->view.qualified()),
         sql::LockMode::AccessExclusive});
}

}  // namespace

Rule refresh_materialized_view_without_concurrently() {
    return Rule{
        RuleInfo{rule_id::k_refresh_materialized_view_without_concurrently,
                 "REFRESH MATERIALIZED VIEW without CONCURRENTLY", RuleGroup::Availability, Severity::Error,
                 true, "ACCESS EXCLUSIVE on the view while its query runs; reads of the view wait",
                 "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view)"},
        check};
}

}  // namespace pgsafe::rules
