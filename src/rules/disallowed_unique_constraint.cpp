// disallowed-unique-constraint: ADD CONSTRAINT … UNIQUE builds its index while
// holding ACCESS EXCLUSIVE on the table, so reads and writes wait for the whole
// build. Build the index CONCURRENTLY first and attach it with USING INDEX.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/rules/safe_forms.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

std::string joined(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c;
    return out;
}

std::string safe_form(const sql::RelationName& table, const std::string& name,
                      const std::vector<std::string>& columns) {
    return fmt::format(
        "CREATE UNIQUE INDEX CONCURRENTLY {0} ON {1} ({2});\n"
        "ALTER TABLE {1} ADD CONSTRAINT {0} UNIQUE USING INDEX {0};",
        name, table.qualified(), columns.empty() ? std::string("…") : joined(columns));
}

void report_constraint(const Context& ctx, Emitter& emit, const sql::RelationName& table,
                       const sql::Constraint& unique, sql::Span span) {
    std::string name = unique.name.empty() ? unique_key_name(table, unique.columns) : unique.name;
    emit.report({span,
                 fmt::format("ADD UNIQUE takes ACCESS EXCLUSIVE on {} and builds its index while holding it: "
                             "reads and writes wait until the build ends",
                             ctx.describe(table)),
                 "Build the index with CREATE UNIQUE INDEX CONCURRENTLY, then add the constraint with "
                 "UNIQUE USING INDEX (a brief lock, no build).",
                 table, safe_form(table, name, unique.columns), sql::LockMode::AccessExclusive});
}

void report_column(const Context& ctx, Emitter& emit, const sql::RelationName& table,
                   const sql::ColumnDef& column, const sql::Constraint& unique, sql::Span span) {
    std::string name = unique.name.empty() ? unique_key_name(table, {column.name}) : unique.name;
    emit.report(
        {span,
         fmt::format("ADD COLUMN \"{}\" … UNIQUE takes ACCESS EXCLUSIVE on {} and builds a unique index "
                     "over every row while holding it: reads and writes wait until the build ends",
                     column.name, ctx.describe(table)),
         "Add the column without UNIQUE, build the index with CREATE UNIQUE INDEX CONCURRENTLY, then add "
         "the constraint with UNIQUE USING INDEX.",
         table,
         fmt::format("ALTER TABLE {} ADD COLUMN {} {};\n{}", table.qualified(), column.name,
                     column.type.display(), safe_form(table, name, {column.name})),
         sql::LockMode::AccessExclusive});
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
            action.constraint->kind == sql::ConstraintKind::Unique && action.constraint->using_index.empty())
            report_constraint(ctx, emit, alter->table, *action.constraint, action.span);
        if (action.kind == sql::AlterKind::AddColumn && action.column_def) {
            for (const auto& c : action.column_def->constraints) {
                if (c.kind == sql::ConstraintKind::Unique)
                    report_column(ctx, emit, alter->table, *action.column_def, c, action.span);
            }
        }
    }
}

}  // namespace

Rule disallowed_unique_constraint() {
    return Rule{RuleInfo{rule_id::k_disallowed_unique_constraint,
                         "Adding a UNIQUE constraint to an existing table without USING INDEX",
                         RuleGroup::Availability, Severity::Error, true,
                         "ACCESS EXCLUSIVE on the table while the unique index is built",
                         "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX"},
                check};
}

}  // namespace pgsafe::rules
