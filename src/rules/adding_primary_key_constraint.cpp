// adding-primary-key-constraint: ADD PRIMARY KEY without USING INDEX builds the
// index and checks every key column for NULLs while holding ACCESS EXCLUSIVE,
// so reads and writes wait. Make the columns NOT NULL the safe way, build the
// index CONCURRENTLY, then attach it with PRIMARY KEY USING INDEX.

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

// The multi-step safe form, one NOT NULL check per key column: the steps
// pgsafe migrate runs (src/plan/unique_constraint.cpp).
std::string safe_form(const sql::RelationName& table, const std::string& name,
                      const std::vector<std::string>& columns) {
    std::string t = table.qualified();
    std::string out;
    for (const auto& c : columns) {
        out += fmt::format(
            "ALTER TABLE {0} ADD CONSTRAINT {1} CHECK ({2} IS NOT NULL) NOT VALID;\n"
            "ALTER TABLE {0} VALIDATE CONSTRAINT {1};  -- in its own transaction\n"
            "ALTER TABLE {0} ALTER COLUMN {2} SET NOT NULL;  -- no scan since PostgreSQL 12\n"
            "ALTER TABLE {0} DROP CONSTRAINT {1};\n",
            t, not_null_helper_name(table, c), c);
    }
    out += fmt::format(
        "CREATE UNIQUE INDEX CONCURRENTLY {0} ON {1} ({2});\n"
        "ALTER TABLE {1} ADD CONSTRAINT {0} PRIMARY KEY USING INDEX {0};",
        name, t, columns.empty() ? std::string("…") : joined(columns));
    return out;
}

constexpr const char* k_help =
    "Make the key columns NOT NULL through a validated CHECK (col IS NOT NULL), build the index with CREATE "
    "UNIQUE INDEX CONCURRENTLY, then add the key with PRIMARY KEY USING INDEX (a brief lock, no build).";

void report_constraint(const Context& ctx, Emitter& emit, const sql::RelationName& table,
                       const sql::Constraint& pk, sql::Span span) {
    std::string name = pk.name.empty() ? primary_key_name(table) : pk.name;
    emit.report({span,
                 fmt::format("ADD PRIMARY KEY takes ACCESS EXCLUSIVE on {} and, while holding it, builds the "
                             "index and checks every row of the key columns for NULLs: reads and writes wait "
                             "until it ends",
                             ctx.describe(table)),
                 k_help, table, safe_form(table, name, pk.columns), sql::LockMode::AccessExclusive});
}

void report_column(const Context& ctx, Emitter& emit, const sql::RelationName& table,
                   const sql::ColumnDef& column, sql::Span span) {
    emit.report(
        {span,
         fmt::format("ADD COLUMN \"{}\" … PRIMARY KEY takes ACCESS EXCLUSIVE on {} and builds the "
                     "primary key index over every row while holding it: reads and writes wait until "
                     "the build ends",
                     column.name, ctx.describe(table)),
         "Add the column without PRIMARY KEY and fill it in batches; then make it NOT NULL through a "
         "validated CHECK, build the index with CREATE UNIQUE INDEX CONCURRENTLY and add the key with "
         "PRIMARY KEY USING INDEX.",
         table,
         fmt::format("ALTER TABLE {} ADD COLUMN {} {};\n-- backfill in batches, then:\n{}", table.qualified(),
                     column.name, column.type.display(),
                     safe_form(table, primary_key_name(table), {column.name})),
         sql::LockMode::AccessExclusive});
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
            action.constraint->kind == sql::ConstraintKind::PrimaryKey &&
            action.constraint->using_index.empty())
            report_constraint(ctx, emit, alter->table, *action.constraint, action.span);
        if (action.kind == sql::AlterKind::AddColumn && action.column_def && action.column_def->primary_key)
            report_column(ctx, emit, alter->table, *action.column_def, action.span);
    }
}

}  // namespace

Rule adding_primary_key_constraint() {
    return Rule{
        RuleInfo{rule_id::k_adding_primary_key_constraint,
                 "Adding a primary key to an existing table without USING INDEX", RuleGroup::Availability,
                 Severity::Error, true,
                 "ACCESS EXCLUSIVE on the table while the index is built and the key columns are checked "
                 "for NULLs",
                 "NOT NULL via a validated CHECK, CREATE UNIQUE INDEX CONCURRENTLY, then ADD PRIMARY KEY "
                 "USING INDEX"},
        check};
}

}  // namespace pgsafe::rules
