// adding-foreign-key-constraint: ADD FOREIGN KEY checks every existing row
// while holding SHARE ROW EXCLUSIVE on both tables, so writes to both wait
// for the whole scan. NOT VALID, then VALIDATE, keeps writes flowing.

#include "catalog.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void report(const Context& ctx, Emitter& emit, const sql::RelationName& table, const sql::Constraint& fk,
            sql::Span span) {
    std::string referenced = fk.referenced_table.empty()
                                 ? std::string("the referenced table")
                                 : fmt::format("\"{}\"", fk.referenced_table.qualified());
    emit.report({span,
                 fmt::format("ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on {} and {} and scans {}: writes to "
                             "both tables wait until the scan ends",
                             ctx.describe(table), referenced, fmt::format("\"{}\"", table.qualified())),
                 "Add the constraint with NOT VALID, then VALIDATE CONSTRAINT in its own transaction "
                 "(pgsafe migrate does this for you).",
                 table, std::nullopt, sql::LockMode::ShareRowExclusive});
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr) return;
    for (const auto& action : alter->actions) {
        if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
            action.constraint->kind == sql::ConstraintKind::ForeignKey && !action.constraint->not_valid) {
            report(ctx, emit, alter->table, *action.constraint, action.span);
        }
        if (action.kind == sql::AlterKind::AddColumn && action.column_def) {
            for (const auto& c : action.column_def->constraints) {
                if (c.kind == sql::ConstraintKind::ForeignKey)
                    report(ctx, emit, alter->table, c, action.span);
            }
        }
    }
}

}  // namespace

Rule adding_foreign_key_constraint() {
    return Rule{RuleInfo{"adding-foreign-key-constraint",
                         "Adding a foreign key to an existing table without NOT VALID",
                         RuleGroup::Availability, Severity::Error, true,
                         "SHARE ROW EXCLUSIVE on the table and the referenced table; scans the table",
                         "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a separate transaction"},
                check};
}

}  // namespace pgsafe::rules
