// renaming-column: ALTER TABLE … RENAME COLUMN. Application code deployed
// now still uses the old name and fails as soon as the rename commits; the
// lock is brief, the breakage is not.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* rename = std::get_if<sql::Rename>(&ctx.statement().detail);
    if (rename == nullptr || rename->object != sql::ObjectKind::Column) return;
    if (ctx.created_in_pending_set(rename->relation)) return;  // no running code knows it yet
    emit.report(
        {ctx.statement().span,
         fmt::format("RENAME COLUMN \"{}\" TO \"{}\" on {}: application code running now still uses "
                     "\"{}\" and fails as soon as this commits",
                     rename->old_name, rename->new_name, ctx.describe(rename->relation), rename->old_name),
         "Expand and contract: add the new column, write to both, backfill, switch reads to it, and drop "
         "the old column in a later release.",
         rename->relation,
         fmt::format("ALTER TABLE {} ADD COLUMN \"{}\" …;  -- then dual-write, backfill, switch reads, "
                     "drop \"{}\" later",
                     rename->relation.qualified(), rename->new_name, rename->old_name),
         std::nullopt});
}

}  // namespace

Rule renaming_column() {
    return Rule{
        RuleInfo{"renaming-column", "Renaming a column that running application code uses",
                 RuleGroup::Correctness, Severity::Warning, true,
                 "ACCESS EXCLUSIVE, briefly; breaks every query that names the old column",
                 "expand and contract: add the new column, dual-write, backfill, switch reads, drop later"},
        check};
}

}  // namespace pgsafe::rules
