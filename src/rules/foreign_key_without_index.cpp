// foreign-key-without-index: a foreign key whose referencing columns no
// index starts with. Every DELETE (and key UPDATE) on the referenced table
// then scans the referencing table to find rows that still point at it.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/rules/safe_forms.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::rules {
namespace {

struct ForeignKey {
    const sql::Constraint& constraint;
    std::vector<std::string> columns;
    sql::Span span;
    bool indexed_here = false;  // ADD COLUMN … REFERENCES … UNIQUE / PRIMARY KEY indexes the column itself
};

// The FK's lookups are equality on every column, so any order of the same
// columns at the front of an index serves them.
bool has_index(const Context& ctx, const sql::RelationName& table, std::vector<std::string> columns) {
    if (columns.size() > 4) return ctx.has_index_starting_with(table, columns);  // 4! orders at most
    std::sort(columns.begin(), columns.end());
    do {
        if (ctx.has_index_starting_with(table, columns)) return true;
    } while (std::next_permutation(columns.begin(), columns.end()));
    return false;
}

bool has_key_constraint(const sql::ColumnDef& column) {
    return std::any_of(column.constraints.begin(), column.constraints.end(), [](const sql::Constraint& c) {
        return c.kind == sql::ConstraintKind::PrimaryKey || c.kind == sql::ConstraintKind::Unique;
    });
}

// Inline REFERENCES on a column: the FK's columns are the column itself.
void column_keys(const sql::ColumnDef& column, sql::Span span, std::vector<ForeignKey>& out) {
    for (const auto& c : column.constraints) {
        if (c.kind != sql::ConstraintKind::ForeignKey) continue;
        out.push_back({c, c.columns.empty() ? std::vector<std::string>{column.name} : c.columns, span,
                       has_key_constraint(column)});
    }
}

std::vector<ForeignKey> foreign_keys(const sql::Statement& statement, const sql::RelationName*& table) {
    std::vector<ForeignKey> out;
    if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        table = &create->table;
        for (const auto& column : create->columns) column_keys(column, column.span, out);
        for (const auto& c : create->constraints) {
            if (c.kind == sql::ConstraintKind::ForeignKey) out.push_back({c, c.columns, c.span});
        }
    } else if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        if (alter->object != sql::ObjectKind::Table) return out;
        table = &alter->table;
        for (const auto& action : alter->actions) {
            if (action.kind == sql::AlterKind::AddColumn && action.column_def) {
                column_keys(*action.column_def, action.span, out);
            } else if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
                       action.constraint->kind == sql::ConstraintKind::ForeignKey) {
                out.push_back({*action.constraint, action.constraint->columns, action.span});
            }
        }
    }
    return out;
}

std::string column_list(const std::vector<std::string>& columns) {
    return fmt::format("{}", fmt::join(columns, ", "));
}

void check(const Context& ctx, Emitter& emit) {
    const sql::RelationName* table = nullptr;
    for (const auto& fk : foreign_keys(ctx.statement(), table)) {
        if (fk.columns.empty() || fk.indexed_here || has_index(ctx, *table, fk.columns)) continue;
        const bool existing = !std::holds_alternative<sql::CreateTable>(ctx.statement().detail) &&
                              !ctx.created_in_pending_set(*table);
        const std::string referenced =
            fk.constraint.referenced_table.empty()
                ? "the referenced table"
                : fmt::format("\"{}\"", fk.constraint.referenced_table.qualified());
        const std::string columns = column_list(fk.columns);
        emit.report(
            {fk.span,
             fmt::format("no index on {} starts with the foreign key's columns ({}): every row deleted "
                         "from {}, or whose key is updated, makes PostgreSQL scan \"{}\" for rows that "
                         "still reference it",
                         ctx.describe(*table), columns, referenced, table->qualified()),
             fmt::format("Create an index on {} ({}){}.", table->qualified(), columns,
                         existing ? " with CREATE INDEX CONCURRENTLY" : " in the same migration"),
             *table,
             fmt::format("CREATE INDEX {}{} ON {} ({});", existing ? "CONCURRENTLY " : "",
                         index_name(*table, fk.columns), table->qualified(), columns),
             std::nullopt});
    }
}

}  // namespace

Rule foreign_key_without_index() {
    return Rule{
        RuleInfo{rule_id::k_foreign_key_without_index,
                 "A foreign key whose referencing columns no index starts with", RuleGroup::Correctness,
                 Severity::Warning, true,
                 "none when added; later, each DELETE / key UPDATE on the referenced table scans this table",
                 "an index starting with the foreign key's columns (CREATE INDEX CONCURRENTLY on an "
                 "existing table)"},
        check};
}

}  // namespace pgsafe::rules
