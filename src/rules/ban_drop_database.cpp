// ban-drop-database: DROP DATABASE in a migration. It deletes every table in
// the database, irreversibly, and has no place in a schema change.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* drop = std::get_if<sql::Drop>(&ctx.statement().detail);
    if (drop == nullptr || drop->object != sql::ObjectKind::Database) return;
    for (const auto& database : drop->names) {
        emit.report(
            {ctx.statement().span,
             fmt::format("DROP DATABASE \"{}\" deletes every table and all data in it, irreversibly",
                         database.name),
             "Remove it from the migration; drop databases by hand, after a backup, if that is really meant.",
             std::nullopt, std::nullopt, std::nullopt});
    }
}

}  // namespace

Rule ban_drop_database() {
    return Rule{
        RuleInfo{rule_id::k_ban_drop_database, "Dropping a database in a migration", RuleGroup::Correctness,
                 Severity::Error, true, "exclusive use of the database; deletes all its data",
                 "none in a migration: drop databases by hand, after a backup"},
        check};
}

}  // namespace pgsafe::rules
