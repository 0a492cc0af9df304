// renaming-table: ALTER TABLE (or VIEW, MATERIALIZED VIEW) … RENAME TO.
// Application code deployed now still queries the old name and fails as
// soon as the rename commits.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

const char* relation_word(sql::ObjectKind kind) {
    switch (kind) {
        case sql::ObjectKind::View: return "view";
        case sql::ObjectKind::MaterializedView: return "materialized view";
        case sql::ObjectKind::ForeignTable: return "foreign table";
        default: return "table";
    }
}

void check(const Context& ctx, Emitter& emit) {
    const auto* rename = std::get_if<sql::Rename>(&ctx.statement().detail);
    if (rename == nullptr) return;
    const sql::ObjectKind kind = rename->object;
    if (kind != sql::ObjectKind::Table && kind != sql::ObjectKind::View &&
        kind != sql::ObjectKind::MaterializedView && kind != sql::ObjectKind::ForeignTable)
        return;
    if (ctx.created_in_pending_set(rename->relation)) return;  // no running code knows it yet
    const bool table = kind == sql::ObjectKind::Table;
    emit.report(
        {ctx.statement().span,
         fmt::format("renaming {} {} to \"{}\": application code running now still queries \"{}\" and "
                     "fails as soon as this commits",
                     relation_word(kind), ctx.describe(rename->relation), rename->new_name,
                     rename->relation.name),
         table ? "Keep the old name working: in the same transaction, create a view with the old name over "
                 "the renamed table, and drop the view once no code uses it; or expand and contract."
               : "Create the new name alongside the old one, move the application to it, and drop the old "
                 "one in a later release.",
         rename->relation,
         table ? std::optional<std::string>(fmt::format(
                     "BEGIN; ALTER TABLE {0} RENAME TO {1}; CREATE VIEW {0} AS SELECT * FROM {2}; COMMIT;",
                     rename->relation.qualified(), rename->new_name,
                     sql::RelationName{rename->relation.schema, rename->new_name}.qualified()))
               : std::nullopt,
         std::nullopt});
}

}  // namespace

Rule renaming_table() {
    return Rule{
        RuleInfo{"renaming-table", "Renaming a table (or view) that running application code uses",
                 RuleGroup::Correctness, Severity::Warning, true,
                 "ACCESS EXCLUSIVE, briefly; breaks every query that names the old table",
                 "a view with the old name over the renamed table, dropped later; or expand and contract"},
        check};
}

}  // namespace pgsafe::rules
