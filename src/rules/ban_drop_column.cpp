// ban-drop-column: ALTER TABLE … DROP COLUMN. Application code deployed now
// may still read or write the column and fails as soon as the drop commits;
// the data is gone for good.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    if (ctx.created_in_pending_set(alter->table)) return;  // no running code knows it yet
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::DropColumn) continue;
        emit.report({action.span,
                     fmt::format("DROP COLUMN \"{}\" on {}: application code running now that still reads or "
                                 "writes \"{}\" fails as soon as this commits, and its data is gone for good",
                                 action.column, ctx.describe(alter->table), action.column),
                     "Release application code that no longer uses the column first; drop it in a later "
                     "migration, and ignore this finding there (-- pgsafe:ignore ban-drop-column <why>).",
                     alter->table, std::nullopt, std::nullopt});
    }
}

}  // namespace

Rule ban_drop_column() {
    return Rule{RuleInfo{"ban-drop-column", "Dropping a column that running application code may use",
                         RuleGroup::Correctness, Severity::Warning, true,
                         "ACCESS EXCLUSIVE, briefly; breaks every query that names the column",
                         "stop using the column in a release first, then drop it in a later migration"},
                check};
}

}  // namespace pgsafe::rules
