// exclusion-constraint: ADD CONSTRAINT … EXCLUDE builds the constraint's index
// and checks every row while holding ACCESS EXCLUSIVE on the table. There is
// no NOT VALID, USING INDEX or concurrent form for exclusion constraints.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr) return;
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::AddConstraint || !action.constraint ||
            action.constraint->kind != sql::ConstraintKind::Exclusion)
            continue;
        emit.report({action.span,
                     fmt::format("ADD CONSTRAINT … EXCLUDE takes ACCESS EXCLUSIVE on {} and builds the "
                                 "constraint's index over every row while holding it: reads and writes wait "
                                 "until the build ends",
                                 ctx.describe(alter->table)),
                     "Add exclusion constraints when the table is created; on a table with data, run it in a "
                     "maintenance window (PostgreSQL has no concurrent or NOT VALID form for them).",
                     alter->table, std::nullopt, sql::LockMode::AccessExclusive});
    }
}

}  // namespace

Rule exclusion_constraint() {
    return Rule{
        RuleInfo{"exclusion-constraint", "Adding an exclusion constraint to an existing table",
                 RuleGroup::Availability, Severity::Error, true,
                 "ACCESS EXCLUSIVE on the table while its index is built",
                 "none online: create the constraint with the table, or run it in a maintenance window"},
        check};
}

}  // namespace pgsafe::rules
