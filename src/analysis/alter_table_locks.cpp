// ALTER TABLE (and ALTER INDEX / VIEW / MATERIALIZED VIEW): the lock level of
// each subcommand from the ALTER TABLE reference page of PostgreSQL 15, the
// table work it does, and the other relations it locks (FK targets, partitions).

#include "effects_builder.hpp"

#include <algorithm>
#include <string>

namespace pgsafe::analysis {
namespace {

using sql::AlterKind;
using sql::ConstraintKind;
using sql::LockMode;

// Functions PostgreSQL marks immutable or stable: a default calling only these
// is evaluated once and stored in the catalog (no rewrite since PG 11). Any
// other function may be volatile (CREATE FUNCTION's default), so it counts as one.
bool is_known_non_volatile(const std::string& name) {
    static const char* k_names[] = {"now",
                                    "transaction_timestamp",
                                    "statement_timestamp",
                                    "current_date",
                                    "localtimestamp",
                                    "lower",
                                    "upper",
                                    "btrim",
                                    "ltrim",
                                    "rtrim",
                                    "length",
                                    "coalesce",
                                    "nullif",
                                    "greatest",
                                    "least",
                                    "concat",
                                    "concat_ws",
                                    "format",
                                    "to_char",
                                    "to_date",
                                    "to_timestamp",
                                    "date_trunc",
                                    "make_date",
                                    "make_interval",
                                    "make_timestamp",
                                    "make_timestamptz",
                                    "jsonb_build_object",
                                    "json_build_object",
                                    "jsonb_build_array",
                                    "json_build_array",
                                    "to_jsonb",
                                    "to_json",
                                    "md5",
                                    "replace",
                                    "substring",
                                    "substr",
                                    "abs",
                                    "round",
                                    "array_fill",
                                    "timezone",
                                    "int4",
                                    "int8",
                                    "text",
                                    "numeric"};
    return std::any_of(std::begin(k_names), std::end(k_names), [&](const char* n) { return name == n; });
}

const sql::Constraint* foreign_key(const sql::AlterTableAction& action) {
    if (action.constraint && action.constraint->kind == ConstraintKind::ForeignKey)
        return &*action.constraint;
    return nullptr;
}

// A view's options (security_barrier, check_option, security_invoker) change
// what queries see: ACCESS EXCLUSIVE. Tables, indexes and materialized views
// only have storage parameters: SHARE UPDATE EXCLUSIVE (checked by the trace tests).
bool options_change_semantics(sql::ObjectKind object) {
    return object == sql::ObjectKind::View;
}

// ADD COLUMN: free for a NULL or stable default; a per-row value rewrites;
// inline constraints are checked against every existing row.
TableWork add_column_work(const sql::ColumnDef& column) {
    if (column.is_serial() || column.is_identity() || column.is_stored_generated()) return TableWork::Rewrite;
    if (column.default_value && detail::default_is_volatile(column.default_value->expr))
        return TableWork::Rewrite;
    TableWork work = TableWork::None;
    for (const auto& c : column.constraints) {
        switch (c.kind) {
            case ConstraintKind::Check:
            case ConstraintKind::ForeignKey:
            case ConstraintKind::PrimaryKey:
            case ConstraintKind::Unique:
                if (!c.not_valid) work = TableWork::Scan;
                break;
            case ConstraintKind::NotNull:
                if (!column.default_value) work = TableWork::Scan;  // verified on every row
                break;
            default: break;
        }
    }
    return work;
}

TableWork constraint_work(const sql::Constraint& c) {
    if (c.not_valid) return TableWork::None;
    switch (c.kind) {
        case ConstraintKind::Check:
        case ConstraintKind::ForeignKey:
        case ConstraintKind::Exclusion: return TableWork::Scan;
        case ConstraintKind::PrimaryKey:
        case ConstraintKind::Unique: return c.using_index.empty() ? TableWork::Scan : TableWork::None;
        default: return TableWork::None;
    }
}

bool column_type_rewrites(const sql::AlterTableAction& action) {
    if (!action.column_def) return true;
    const auto& def = *action.column_def;
    if (def.default_value && def.default_value->expr.present) return true;  // USING computes every row
    return type_change_rewrites(std::nullopt, def.type);
}

// Views and foreign tables have no storage: nothing of theirs is scanned or rewritten.
bool has_storage(sql::ObjectKind object) {
    return object != sql::ObjectKind::View && object != sql::ObjectKind::ForeignTable;
}

TableWork action_work(const sql::AlterTableAction& action) {
    switch (action.kind) {
        case AlterKind::AddColumn:
            return action.column_def ? add_column_work(*action.column_def) : TableWork::None;
        case AlterKind::AlterColumnType:
            return column_type_rewrites(action) ? TableWork::Rewrite : TableWork::None;
        case AlterKind::SetNotNull:
        case AlterKind::ValidateConstraint: return TableWork::Scan;
        case AlterKind::AddConstraint:
            return action.constraint ? constraint_work(*action.constraint) : TableWork::None;
        case AlterKind::SetTablespace:
        case AlterKind::SetLogged:
        case AlterKind::SetUnlogged:
        case AlterKind::SetAccessMethod: return TableWork::Rewrite;
        default: return TableWork::None;
    }
}

void add_referenced_table(Effects& effects, const sql::Constraint& fk) {
    if (fk.referenced_table.empty()) return;
    detail::add_lock(effects, fk.referenced_table, LockMode::ShareRowExclusive,
                     fk.not_valid ? TableWork::None : TableWork::Scan);
}

// Locks beyond the altered relation, and what the statement alone cannot tell.
void add_side_effects(Effects& effects, const sql::AlterTableAction& action) {
    if (const sql::Constraint* fk = foreign_key(action)) add_referenced_table(effects, *fk);
    if (action.kind == AlterKind::AddColumn && action.column_def) {
        for (const auto& c : action.column_def->constraints) {
            if (c.kind == ConstraintKind::ForeignKey) add_referenced_table(effects, c);
        }
    }
    switch (action.kind) {
        case AlterKind::AttachPartition:
            detail::add_lock(effects, action.partition, LockMode::AccessExclusive, TableWork::Scan);
            detail::add_note(effects,
                             "ATTACH PARTITION scans the partition to check its bound unless a valid "
                             "CHECK constraint implies it; a default partition is locked and scanned too");
            break;
        case AlterKind::DetachPartition:
        case AlterKind::DetachPartitionFinalize:
            detail::add_lock(effects, action.partition, LockMode::AccessExclusive);
            if (action.concurrent) effects.outside_transaction = true;
            break;
        case AlterKind::DropConstraint:
            detail::add_note(effects,
                             "dropping a foreign key also locks its referenced table ACCESS EXCLUSIVE");
            break;
        case AlterKind::AlterColumnType:
            detail::add_note(effects,
                             "the column's current type is not in the statement: counted as a rewrite "
                             "unless the new type is text or varchar without a length (a relabel only "
                             "from varchar or text); indexes on the column may be rebuilt");
            break;
        case AlterKind::ValidateConstraint:
            detail::add_note(effects,
                             "validating a foreign key also takes ROW SHARE on its referenced table");
            break;
        case AlterKind::SetNotNull:
            detail::add_note(effects,
                             "SET NOT NULL skips the scan when a valid CHECK (col IS NOT NULL) exists");
            break;
        case AlterKind::SetOptions:
        case AlterKind::ResetOptions:
            detail::add_note(effects,
                             "storage parameters take SHARE UPDATE EXCLUSIVE, except user_catalog_table "
                             "and view options (ACCESS EXCLUSIVE)");
            break;
        case AlterKind::AddConstraint:
            if (action.constraint && action.constraint->kind == ConstraintKind::PrimaryKey &&
                !action.constraint->using_index.empty())
                detail::add_note(effects,
                                 "PRIMARY KEY … USING INDEX scans the table to set NOT NULL on key "
                                 "columns that lack it");
            break;
        default: break;
    }
}

}  // namespace

LockMode alter_action_lock(sql::ObjectKind object, const sql::AlterTableAction& action) {
    switch (action.kind) {
        case AlterKind::SetStatistics:
        case AlterKind::ClusterOn:
        case AlterKind::SetWithoutCluster:
        case AlterKind::ValidateConstraint:
        case AlterKind::AttachPartition:
        case AlterKind::DetachPartitionFinalize: return LockMode::ShareUpdateExclusive;
        case AlterKind::SetOptions:
        case AlterKind::ResetOptions:
            return options_change_semantics(object) ? LockMode::AccessExclusive
                                                    : LockMode::ShareUpdateExclusive;
        case AlterKind::DetachPartition:
            return action.concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
        case AlterKind::EnableTrigger:
        case AlterKind::DisableTrigger: return LockMode::ShareRowExclusive;
        case AlterKind::AddConstraint:
            return foreign_key(action) ? LockMode::ShareRowExclusive : LockMode::AccessExclusive;
        default: return LockMode::AccessExclusive;
    }
}

TableWork alter_action_work(sql::ObjectKind object, const sql::AlterTableAction& action) {
    return has_storage(object) ? action_work(action) : TableWork::None;
}

namespace detail {

bool default_is_volatile(const sql::ExprInfo& expr) {
    if (!expr.present || expr.constant) return false;
    if (expr.has_subquery) return true;
    return std::any_of(expr.functions.begin(), expr.functions.end(),
                       [](const std::string& f) { return !is_known_non_volatile(f); });
}

Effects alter_table_effects(const sql::AlterTable& alter) {
    Effects effects;
    // The altered relation first, so it leads the list even when a subcommand adds others.
    LockMode mode = LockMode::None;
    TableWork work = TableWork::None;
    for (const auto& action : alter.actions) {
        mode = std::max(mode, alter_action_lock(alter.object, action));
        work = std::max(work, alter_action_work(alter.object, action));
    }
    if (alter.actions.empty()) mode = LockMode::AccessExclusive;
    add_lock(effects, alter.table, mode, work);
    for (const auto& action : alter.actions) add_side_effects(effects, action);
    return effects;
}

}  // namespace detail
}  // namespace pgsafe::analysis
