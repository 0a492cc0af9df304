// ALTER TABLE and its subcommands into IR actions. Each subcommand keeps the
// facts the lock model and the rules need: column, constraint, partition.

#include "convert.hpp"

namespace pgsafe::sql::detail {
namespace {

struct KindName {
    AlterKind kind;
    const char* name;
};

// PostgreSQL's AlterTableType values in the order of pg_query.proto.
KindName alter_kind(PgQuery__AlterTableType type) {
    switch (type) {
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn: return {AlterKind::AddColumn, "AT_AddColumn"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnToView:
            return {AlterKind::AddColumn, "AT_AddColumnToView"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault: return {AlterKind::SetDefault, "AT_ColumnDefault"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull: return {AlterKind::DropNotNull, "AT_DropNotNull"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull: return {AlterKind::SetNotNull, "AT_SetNotNull"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropExpression: return {AlterKind::Other, "AT_DropExpression"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStatistics:
            return {AlterKind::SetStatistics, "AT_SetStatistics"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetOptions: return {AlterKind::SetOptions, "AT_SetOptions"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ResetOptions: return {AlterKind::ResetOptions, "AT_ResetOptions"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStorage: return {AlterKind::SetStorage, "AT_SetStorage"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetCompression:
            return {AlterKind::SetCompression, "AT_SetCompression"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn: return {AlterKind::DropColumn, "AT_DropColumn"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
            return {AlterKind::AddConstraint, "AT_AddConstraint"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterConstraint:
            return {AlterKind::AlterConstraint, "AT_AlterConstraint"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
            return {AlterKind::ValidateConstraint, "AT_ValidateConstraint"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
            return {AlterKind::DropConstraint, "AT_DropConstraint"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
            return {AlterKind::AlterColumnType, "AT_AlterColumnType"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ChangeOwner: return {AlterKind::OwnerTo, "AT_ChangeOwner"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ClusterOn: return {AlterKind::ClusterOn, "AT_ClusterOn"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropCluster:
            return {AlterKind::SetWithoutCluster, "AT_DropCluster"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged: return {AlterKind::SetLogged, "AT_SetLogged"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged: return {AlterKind::SetUnlogged, "AT_SetUnLogged"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropOids: return {AlterKind::SetWithoutOids, "AT_DropOids"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod:
            return {AlterKind::SetAccessMethod, "AT_SetAccessMethod"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace:
            return {AlterKind::SetTablespace, "AT_SetTableSpace"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetRelOptions: return {AlterKind::SetOptions, "AT_SetRelOptions"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ResetRelOptions:
            return {AlterKind::ResetOptions, "AT_ResetRelOptions"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ReplaceRelOptions:
            return {AlterKind::SetOptions, "AT_ReplaceRelOptions"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrig: return {AlterKind::EnableTrigger, "AT_EnableTrig"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableAlwaysTrig:
            return {AlterKind::EnableTrigger, "AT_EnableAlwaysTrig"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableReplicaTrig:
            return {AlterKind::EnableTrigger, "AT_EnableReplicaTrig"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrig: return {AlterKind::DisableTrigger, "AT_DisableTrig"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigAll:
            return {AlterKind::EnableTrigger, "AT_EnableTrigAll"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigAll:
            return {AlterKind::DisableTrigger, "AT_DisableTrigAll"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigUser:
            return {AlterKind::EnableTrigger, "AT_EnableTrigUser"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigUser:
            return {AlterKind::DisableTrigger, "AT_DisableTrigUser"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableRule: return {AlterKind::EnableRule, "AT_EnableRule"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableAlwaysRule:
            return {AlterKind::EnableRule, "AT_EnableAlwaysRule"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableReplicaRule:
            return {AlterKind::EnableRule, "AT_EnableReplicaRule"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableRule: return {AlterKind::DisableRule, "AT_DisableRule"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddInherit: return {AlterKind::AddInherit, "AT_AddInherit"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropInherit: return {AlterKind::DropInherit, "AT_DropInherit"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddOf: return {AlterKind::Other, "AT_AddOf"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropOf: return {AlterKind::Other, "AT_DropOf"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ReplicaIdentity:
            return {AlterKind::ReplicaIdentity, "AT_ReplicaIdentity"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableRowSecurity:
            return {AlterKind::EnableRowSecurity, "AT_EnableRowSecurity"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableRowSecurity:
            return {AlterKind::DisableRowSecurity, "AT_DisableRowSecurity"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_ForceRowSecurity:
            return {AlterKind::ForceRowSecurity, "AT_ForceRowSecurity"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_NoForceRowSecurity:
            return {AlterKind::NoForceRowSecurity, "AT_NoForceRowSecurity"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_GenericOptions: return {AlterKind::Other, "AT_GenericOptions"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnGenericOptions:
            return {AlterKind::Other, "AT_AlterColumnGenericOptions"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
            return {AlterKind::AttachPartition, "AT_AttachPartition"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
            return {AlterKind::DetachPartition, "AT_DetachPartition"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartitionFinalize:
            return {AlterKind::DetachPartitionFinalize, "AT_DetachPartitionFinalize"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_AddIdentity: return {AlterKind::AddIdentity, "AT_AddIdentity"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_SetIdentity: return {AlterKind::SetIdentity, "AT_SetIdentity"};
        case PG_QUERY__ALTER_TABLE_TYPE__AT_DropIdentity: return {AlterKind::DropIdentity, "AT_DropIdentity"};
        default: return {AlterKind::Other, "AT_Other"};
    }
}

AlterTableAction convert_cmd(const PgQuery__AlterTableCmd* cmd, const Ctx& ctx) {
    AlterTableAction action;
    KindName kind = alter_kind(cmd->subtype);
    action.kind = kind.kind;
    action.subtype = kind.name;
    action.missing_ok = cmd->missing_ok;
    action.cascade = cmd->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
    action.span = ctx.statement;

    const bool names_column =
        action.kind != AlterKind::ValidateConstraint && action.kind != AlterKind::DropConstraint &&
        action.kind != AlterKind::AlterConstraint && action.kind != AlterKind::EnableTrigger &&
        action.kind != AlterKind::DisableTrigger && action.kind != AlterKind::EnableRule &&
        action.kind != AlterKind::DisableRule && action.kind != AlterKind::ClusterOn &&
        action.kind != AlterKind::SetTablespace && action.kind != AlterKind::SetAccessMethod;
    if (names_column) {
        action.column = cmd->name;
    } else {
        action.name = cmd->name;
    }

    const Node* def = cmd->def;
    if (def == nullptr) return action;
    switch (def->node_case) {
        case PG_QUERY__NODE__NODE_COLUMN_DEF:
            action.column_def = column_def(def->column_def, ctx);
            if (action.kind == AlterKind::AddColumn) action.column = action.column_def->name;
            if (action.column_def->span.begin != ctx.statement.begin) action.span = action.column_def->span;
            break;
        case PG_QUERY__NODE__NODE_CONSTRAINT:
            action.constraint = constraint(def->constraint, ctx);
            action.name = action.constraint->name;
            action.span = action.constraint->span;
            break;
        case PG_QUERY__NODE__NODE_PARTITION_CMD:
            action.partition = relation_name(def->partition_cmd->name);
            action.concurrent = def->partition_cmd->concurrent;
            if (def->partition_cmd->name != nullptr)
                action.span = ctx.span_at(def->partition_cmd->name->location);
            break;
        default: break;
    }
    return action;
}

}  // namespace

AlterTable convert_alter_table(const PgQuery__AlterTableStmt* stmt, const Ctx& ctx) {
    AlterTable out;
    out.table = relation_name(stmt->relation);
    out.object = object_kind(stmt->objtype);
    out.if_exists = stmt->missing_ok;
    out.only = stmt->relation != nullptr && !stmt->relation->inh;
    for (size_t i = 0; i < stmt->n_cmds; ++i) {
        if (stmt->cmds[i]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
            out.actions.push_back(convert_cmd(stmt->cmds[i]->alter_table_cmd, ctx));
    }
    return out;
}

}  // namespace pgsafe::sql::detail
