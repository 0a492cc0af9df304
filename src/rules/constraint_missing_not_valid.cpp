// constraint-missing-not-valid: ADD CONSTRAINT … CHECK without NOT VALID checks
// every existing row while holding ACCESS EXCLUSIVE, so reads and writes wait
// for the whole scan. NOT VALID, then VALIDATE, scans under a weak lock instead.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/rules/safe_forms.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

std::string constraint_label(const sql::Constraint& check) {
    return check.name.empty() ? std::string("the CHECK constraint") : fmt::format("\"{}\"", check.name);
}

void report_table_constraint(const Context& ctx, Emitter& emit, const sql::RelationName& table,
                             const sql::Constraint& check, sql::Span span) {
    std::string name = check.name.empty() ? std::string("<name>") : check.name;
    emit.report(
        {span,
         fmt::format("ADD CHECK takes ACCESS EXCLUSIVE on {} and scans every row to validate {}: reads "
                     "and writes wait until the scan ends",
                     ctx.describe(table), constraint_label(check)),
         "Add the constraint with NOT VALID, then VALIDATE CONSTRAINT in its own transaction "
         "(pgsafe migrate does this for you).",
         table,
         fmt::format("ALTER TABLE {0} ADD CONSTRAINT {1} CHECK (…) NOT VALID;\n"
                     "ALTER TABLE {0} VALIDATE CONSTRAINT {1};  -- in its own transaction",
                     table.qualified(), name),
         sql::LockMode::AccessExclusive});
}

// A CHECK written on the column of ADD COLUMN cannot take NOT VALID: the column
// has to be added first and the constraint after it.
void report_column_constraint(const Context& ctx, Emitter& emit, const sql::RelationName& table,
                              const sql::ColumnDef& column, const sql::Constraint& check, sql::Span span) {
    std::string name = check.name.empty() ? check_name(table, column.name) : check.name;
    emit.report(
        {span,
         fmt::format("ADD COLUMN \"{}\" with a CHECK takes ACCESS EXCLUSIVE on {} and scans every row to "
                     "validate {}: reads and writes wait until the scan ends",
                     column.name, ctx.describe(table), constraint_label(check)),
         "Add the column without the CHECK, then add the CHECK with NOT VALID and VALIDATE it in its "
         "own transaction (a column constraint cannot be NOT VALID).",
         table,
         fmt::format("ALTER TABLE {0} ADD COLUMN {1} {2};\n"
                     "ALTER TABLE {0} ADD CONSTRAINT {3} CHECK (…) NOT VALID;\n"
                     "ALTER TABLE {0} VALIDATE CONSTRAINT {3};  -- in its own transaction",
                     table.qualified(), column.name, column.type.display(), name),
         sql::LockMode::AccessExclusive});
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
            action.constraint->kind == sql::ConstraintKind::Check && !action.constraint->not_valid) {
            report_table_constraint(ctx, emit, alter->table, *action.constraint, action.span);
        }
        if (action.kind == sql::AlterKind::AddColumn && action.column_def) {
            for (const auto& c : action.column_def->constraints) {
                if (c.kind == sql::ConstraintKind::Check && !c.not_valid)
                    report_column_constraint(ctx, emit, alter->table, *action.column_def, c, action.span);
            }
        }
    }
}

}  // namespace

Rule constraint_missing_not_valid() {
    return Rule{
        RuleInfo{rule_id::k_constraint_missing_not_valid,
                 "Adding a CHECK constraint to an existing table without NOT VALID", RuleGroup::Availability,
                 Severity::Error, true, "ACCESS EXCLUSIVE on the table; scans it to validate the constraint",
                 "ADD CONSTRAINT … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT in a separate transaction"},
        check};
}

}  // namespace pgsafe::rules
