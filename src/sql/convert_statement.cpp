// One parsed statement into its IR detail: the statement kinds the lock
// model and rules look at get their facts; everything else is Other.

#include "convert.hpp"

#include <algorithm>
#include <cctype>

namespace pgsafe::sql::detail {
namespace {

CreateIndex convert_index(const PgQuery__IndexStmt* s) {
    CreateIndex out;
    out.table = relation_name(s->relation);
    out.name = s->idxname;
    out.unique = s->unique || s->primary;
    out.concurrent = s->concurrent;
    out.if_not_exists = s->if_not_exists;
    out.only = s->relation != nullptr && !s->relation->inh;
    out.partial = s->where_clause != nullptr;
    out.access_method = s->access_method;
    for (size_t i = 0; i < s->n_index_params; ++i) {
        const Node* p = s->index_params[i];
        if (p->node_case != PG_QUERY__NODE__NODE_INDEX_ELEM) continue;
        IndexColumn col;
        col.name = p->index_elem->name;
        col.expression = p->index_elem->expr != nullptr;
        out.columns.push_back(col);
    }
    return out;
}

CreateTable convert_create(const PgQuery__CreateStmt* s, const Ctx& ctx) {
    CreateTable out;
    out.table = relation_name(s->relation);
    out.if_not_exists = s->if_not_exists;
    if (s->relation != nullptr) {
        out.temporary = std::string(s->relation->relpersistence) == "t";
        out.unlogged = std::string(s->relation->relpersistence) == "u";
    }
    out.partitioned = s->partspec != nullptr;
    if (s->partbound != nullptr && s->n_inh_relations > 0 &&
        s->inh_relations[0]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
        out.partition_of = relation_name(s->inh_relations[0]->range_var);
    for (size_t i = 0; s->partbound == nullptr && i < s->n_inh_relations; ++i) {
        if (s->inh_relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
            out.inherits.push_back(relation_name(s->inh_relations[i]->range_var));
    }
    for (size_t i = 0; i < s->n_table_elts; ++i) {
        const Node* e = s->table_elts[i];
        if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
            out.columns.push_back(column_def(e->column_def, ctx));
        } else if (e->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
            out.constraints.push_back(constraint(e->constraint, ctx));
        }
    }
    for (size_t i = 0; i < s->n_constraints; ++i) {
        if (s->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
            out.constraints.push_back(constraint(s->constraints[i]->constraint, ctx));
    }
    return out;
}

CreateTable convert_create_as(const PgQuery__CreateTableAsStmt* s) {
    CreateTable out;
    if (s->into != nullptr) out.table = relation_name(s->into->rel);
    out.if_not_exists = s->if_not_exists;
    out.as_select = true;
    return out;
}

// A dropped object's name: a List of Strings for relations, else a single name.
RelationName drop_name(const Node* object) {
    if (object->node_case == PG_QUERY__NODE__NODE_LIST)
        return relation_from_names(string_list(object->list->items, object->list->n_items));
    if (object->node_case == PG_QUERY__NODE__NODE_STRING) return RelationName{"", string_value(object)};
    if (object->node_case == PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS) {
        const auto* o = object->object_with_args;
        return relation_from_names(string_list(o->objname, o->n_objname));
    }
    if (object->node_case == PG_QUERY__NODE__NODE_TYPE_NAME) {
        return relation_from_names(string_list(object->type_name->names, object->type_name->n_names));
    }
    return {};
}

Drop convert_drop(const PgQuery__DropStmt* s) {
    Drop out;
    out.object = object_kind(s->remove_type);
    out.concurrent = s->concurrent;
    out.if_exists = s->missing_ok;
    out.cascade = s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
    for (size_t i = 0; i < s->n_objects; ++i) out.names.push_back(drop_name(s->objects[i]));
    return out;
}

AlterDomain convert_alter_domain(const PgQuery__AlterDomainStmt* s) {
    AlterDomain out;
    out.domain = relation_from_names(string_list(s->type_name, s->n_type_name));
    std::string subtype = s->subtype != nullptr ? s->subtype : "";
    if (subtype == "C") {
        out.kind = AlterDomainKind::AddConstraint;
        if (s->def != nullptr && s->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
            out.not_valid = s->def->constraint->skip_validation;
    } else if (subtype == "V") {
        out.kind = AlterDomainKind::ValidateConstraint;
    } else if (subtype == "O") {
        out.kind = AlterDomainKind::SetNotNull;
    }
    return out;
}

Rename convert_rename(const PgQuery__RenameStmt* s) {
    Rename out;
    out.object = object_kind(s->rename_type);
    out.relation_kind = object_kind(s->relation_type);
    out.relation = relation_name(s->relation);
    if (out.relation.empty() && s->object != nullptr) out.relation = drop_name(s->object);
    out.old_name = s->subname;
    out.new_name = s->newname;
    out.missing_ok = s->missing_ok;
    return out;
}

Transaction convert_transaction(const PgQuery__TransactionStmt* s) {
    Transaction out;
    switch (s->kind) {
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START: out.kind = TransactionKind::Begin; break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT: out.kind = TransactionKind::Commit; break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
            out.kind = TransactionKind::Rollback;
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
            out.kind = TransactionKind::Savepoint;
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE: out.kind = TransactionKind::Release; break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
            out.kind = TransactionKind::RollbackTo;
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE: out.kind = TransactionKind::Prepare; break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT_PREPARED:
            out.kind = TransactionKind::CommitPrepared;
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_PREPARED:
            out.kind = TransactionKind::RollbackPrepared;
            break;
        default: break;
    }
    out.chain = s->chain != 0;
    return out;
}

std::string const_text(const Node* node) {
    if (node == nullptr || node->node_case != PG_QUERY__NODE__NODE_A_CONST) return {};
    const auto* c = node->a_const;
    switch (c->val_case) {
        case PG_QUERY__A__CONST__VAL_SVAL: return c->sval->sval;
        case PG_QUERY__A__CONST__VAL_IVAL: return std::to_string(c->ival->ival);
        case PG_QUERY__A__CONST__VAL_FVAL: return c->fval->fval;
        case PG_QUERY__A__CONST__VAL_BOOLVAL: return c->boolval->boolval ? "true" : "false";
        default: return {};
    }
}

VariableSet convert_set(const PgQuery__VariableSetStmt* s) {
    VariableSet out;
    out.name = s->name;
    std::transform(out.name.begin(), out.name.end(), out.name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.local = s->is_local;
    out.reset = s->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET ||
                s->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL ||
                s->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT;
    for (size_t i = 0; i < s->n_args; ++i) {
        if (i > 0) out.value += ", ";
        out.value += const_text(s->args[i]);
    }
    return out;
}

bool has_option(Node* const* params, size_t count, const char* option) {
    const PgQuery__DefElem* found = find_option(params, count, option);
    return found != nullptr && !option_value_off(found->arg);
}

Reindex convert_reindex(const PgQuery__ReindexStmt* s) {
    Reindex out;
    switch (s->kind) {
        case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE: out.kind = ReindexKind::Table; break;
        case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA: out.kind = ReindexKind::Schema; break;
        case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM: out.kind = ReindexKind::System; break;
        case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE: out.kind = ReindexKind::Database; break;
        default: out.kind = ReindexKind::Index; break;
    }
    out.relation = relation_name(s->relation);
    out.name = s->name;
    out.concurrent = has_option(s->params, s->n_params, "concurrently");
    return out;
}

Vacuum convert_vacuum(const PgQuery__VacuumStmt* s) {
    Vacuum out;
    out.is_vacuum = s->is_vacuumcmd;
    out.full = has_option(s->options, s->n_options, "full");
    for (size_t i = 0; i < s->n_rels; ++i) {
        if (s->rels[i]->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION)
            out.tables.push_back(relation_name(s->rels[i]->vacuum_relation->relation));
    }
    return out;
}

std::vector<RelationName> range_vars(Node* const* nodes, size_t count) {
    std::vector<RelationName> out;
    for (size_t i = 0; i < count; ++i) {
        if (nodes[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
            out.push_back(relation_name(nodes[i]->range_var));
    }
    return out;
}

DataChange data_change(DataChangeKind kind, const PgQuery__RangeVar* rel, bool where, bool returning,
                       bool from_select) {
    DataChange out;
    out.kind = kind;
    out.table = relation_name(rel);
    out.has_where = where;
    out.has_returning = returning;
    out.from_select = from_select;
    return out;
}

}  // namespace

Detail convert_statement(const Node* stmt, const Ctx& ctx) {
    switch (stmt->node_case) {
        case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: return convert_alter_table(stmt->alter_table_stmt, ctx);
        case PG_QUERY__NODE__NODE_INDEX_STMT: return convert_index(stmt->index_stmt);
        case PG_QUERY__NODE__NODE_CREATE_STMT: return convert_create(stmt->create_stmt, ctx);
        case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT: return convert_create_as(stmt->create_table_as_stmt);
        case PG_QUERY__NODE__NODE_DROP_STMT: return convert_drop(stmt->drop_stmt);
        case PG_QUERY__NODE__NODE_DROPDB_STMT: {
            Drop out;
            out.object = ObjectKind::Database;
            out.names.push_back(RelationName{"", stmt->dropdb_stmt->dbname});
            out.if_exists = stmt->dropdb_stmt->missing_ok;
            return out;
        }
        case PG_QUERY__NODE__NODE_RENAME_STMT: return convert_rename(stmt->rename_stmt);
        case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT: return convert_alter_domain(stmt->alter_domain_stmt);
        case PG_QUERY__NODE__NODE_UPDATE_STMT: {
            const auto* s = stmt->update_stmt;
            return data_change(DataChangeKind::Update, s->relation, s->where_clause != nullptr,
                               s->n_returning_list > 0, s->n_from_clause > 0);
        }
        case PG_QUERY__NODE__NODE_DELETE_STMT: {
            const auto* s = stmt->delete_stmt;
            return data_change(DataChangeKind::Delete, s->relation, s->where_clause != nullptr,
                               s->n_returning_list > 0, s->n_using_clause > 0);
        }
        case PG_QUERY__NODE__NODE_INSERT_STMT: {
            const auto* s = stmt->insert_stmt;
            bool from_select = s->select_stmt != nullptr &&
                               s->select_stmt->node_case == PG_QUERY__NODE__NODE_SELECT_STMT &&
                               s->select_stmt->select_stmt->n_values_lists == 0;
            return data_change(DataChangeKind::Insert, s->relation, false, s->n_returning_list > 0,
                               from_select);
        }
        case PG_QUERY__NODE__NODE_MERGE_STMT:
            return data_change(DataChangeKind::Merge, stmt->merge_stmt->relation, true, false, true);
        case PG_QUERY__NODE__NODE_TRANSACTION_STMT: return convert_transaction(stmt->transaction_stmt);
        case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT: return convert_set(stmt->variable_set_stmt);
        case PG_QUERY__NODE__NODE_REINDEX_STMT: return convert_reindex(stmt->reindex_stmt);
        case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT: {
            RefreshMaterializedView out;
            out.view = relation_name(stmt->refresh_mat_view_stmt->relation);
            out.concurrent = stmt->refresh_mat_view_stmt->concurrent;
            out.with_no_data = stmt->refresh_mat_view_stmt->skip_data;
            return out;
        }
        case PG_QUERY__NODE__NODE_VACUUM_STMT: return convert_vacuum(stmt->vacuum_stmt);
        case PG_QUERY__NODE__NODE_CLUSTER_STMT: {
            Cluster out;
            out.table = relation_name(stmt->cluster_stmt->relation);
            out.index = stmt->cluster_stmt->indexname;
            return out;
        }
        case PG_QUERY__NODE__NODE_LOCK_STMT: {
            LockTable out;
            out.tables = range_vars(stmt->lock_stmt->relations, stmt->lock_stmt->n_relations);
            out.mode = static_cast<LockMode>(std::clamp(stmt->lock_stmt->mode, 1, 8));
            out.nowait = stmt->lock_stmt->nowait;
            return out;
        }
        case PG_QUERY__NODE__NODE_TRUNCATE_STMT: {
            Truncate out;
            out.tables = range_vars(stmt->truncate_stmt->relations, stmt->truncate_stmt->n_relations);
            out.cascade = stmt->truncate_stmt->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
            return out;
        }
        case PG_QUERY__NODE__NODE_VIEW_STMT: return Other{relation_name(stmt->view_stmt->view)};
        case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
            return Other{relation_name(stmt->create_seq_stmt->sequence)};
        case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
            return Other{relation_name(stmt->composite_type_stmt->typevar)};
        case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT: {
            const auto* base = stmt->create_foreign_table_stmt->base_stmt;
            return Other{base != nullptr ? relation_name(base->relation) : RelationName{}};
        }
        default: return Other{};
    }
}

}  // namespace pgsafe::sql::detail
