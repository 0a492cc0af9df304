#pragma once
// The column types a statement declares (CREATE TABLE columns, ADD COLUMN,
// ALTER COLUMN … TYPE), for the prefer-* style rules that judge a type.

#include "pgsafe/sql/ir.hpp"

#include <string>
#include <variant>

namespace pgsafe::rules {

enum class ColumnSource { CreateTable, AddColumn, AlterColumnType };

struct TypedColumn {
    const sql::RelationName& table;
    const std::string& name;
    const sql::TypeName& type;
    ColumnSource source;
    sql::Span span;
};

// A built-in type as written: unqualified or in pg_catalog (a user's own
// "json" type in another schema is not PostgreSQL's json). `%TYPE` is never built in.
inline bool is_builtin_type(const sql::TypeName& type, const char* base) {
    if (type.pct_type || type.names.empty() || type.base() != base) return false;
    return type.names.size() == 1 || (type.names.size() == 2 && type.names[0] == "pg_catalog");
}

// Calls f(TypedColumn) for every column type the statement declares.
template <typename F>
void for_each_typed_column(const sql::Statement& statement, F&& f) {
    if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        for (const auto& column : create->columns)
            f(TypedColumn{create->table, column.name, column.type, ColumnSource::CreateTable, column.span});
        return;
    }
    const auto* alter = std::get_if<sql::AlterTable>(&statement.detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (!action.column_def) continue;
        if (action.kind == sql::AlterKind::AddColumn) {
            f(TypedColumn{alter->table, action.column_def->name, action.column_def->type,
                          ColumnSource::AddColumn, action.span});
        } else if (action.kind == sql::AlterKind::AlterColumnType) {
            f(TypedColumn{alter->table, action.column, action.column_def->type, ColumnSource::AlterColumnType,
                          action.span});
        }
    }
}

}  // namespace pgsafe::rules
