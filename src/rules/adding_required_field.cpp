// adding-required-field: ADD COLUMN … NOT NULL (or PRIMARY KEY) without a
// DEFAULT on an existing table. Every existing row would get NULL, so the
// statement fails at once on any table that has rows.

#include "catalog.hpp"

#include <fmt/format.h>

#include <cctype>

namespace pgsafe::rules {
namespace {

// DEFAULT NULL fills the rows with NULL just like no default.
bool is_null_literal(const Context& ctx, const sql::Constraint& default_value) {
    if (!default_value.expr.present || !default_value.expr.constant) return false;
    std::string_view text = ctx.text(default_value.expr.span);
    if (text.size() < 4) return false;
    for (size_t i = 0; i < 4; ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != "null"[i]) return false;
    }
    return text.size() == 4 || !(std::isalnum(static_cast<unsigned char>(text[4])) || text[4] == '_');
}

// NOT NULL with nothing that fills existing rows: no default, no serial, no identity, not generated.
bool is_required(const Context& ctx, const sql::ColumnDef& column) {
    if (!column.not_null) return false;
    if (column.is_serial() || column.is_identity() || column.is_stored_generated()) return false;
    return !column.default_value || is_null_literal(ctx, *column.default_value);
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    if (ctx.created_in_pending_set(alter->table)) return;  // empty: nothing to fill
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::AddColumn || !action.column_def) continue;
        const sql::ColumnDef& column = *action.column_def;
        if (!is_required(ctx, column)) continue;
        const bool key = column.primary_key;
        emit.report(
            {action.span,
             fmt::format("ADD COLUMN \"{}\" {} {} fails unless {} is empty: every existing row would get "
                         "NULL in it",
                         column.name, key ? "PRIMARY KEY" : "NOT NULL",
                         column.default_value ? "with DEFAULT NULL" : "without a DEFAULT",
                         ctx.describe(alter->table)),
             key ? "A key needs a value per row: add the column nullable, backfill it, then add the primary "
                   "key with CREATE UNIQUE INDEX CONCURRENTLY and ADD PRIMARY KEY USING INDEX."
                 : "Give the column a DEFAULT (a constant default is instant since PostgreSQL 11), or add it "
                   "nullable, backfill it, then set NOT NULL the safe way.",
             alter->table,
             key ? fmt::format("ALTER TABLE {} ADD COLUMN \"{}\" {};  -- backfill, then add the primary key "
                               "USING INDEX",
                               alter->table.qualified(), column.name, column.type.display())
                 : fmt::format("ALTER TABLE {} ADD COLUMN \"{}\" {} NOT NULL DEFAULT …;",
                               alter->table.qualified(), column.name, column.type.display()),
             std::nullopt});
    }
}

}  // namespace

Rule adding_required_field() {
    return Rule{
        RuleInfo{"adding-required-field",
                 "ADD COLUMN … NOT NULL without a DEFAULT on an existing table: fails if it has rows",
                 RuleGroup::Correctness, Severity::Error, true,
                 "ACCESS EXCLUSIVE, briefly; the statement fails on a table with rows",
                 "add a DEFAULT, or add the column nullable, backfill, then SET NOT NULL the safe way"},
        check};
}

}  // namespace pgsafe::rules
