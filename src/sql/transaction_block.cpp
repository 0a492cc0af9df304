// Which statements cannot run in a transaction block (PostgreSQL's
// PreventInTransactionBlock callers in 15, 25001), so the plan runs them
// outside one as psql -f does, or refuses them inside BEGIN … COMMIT, as
// PostgreSQL would. Also COPY … FROM STDIN, whose data pgsafe cannot send.
// Read from the statement's node while parse_sql has it, so no statement is
// parsed a second time for this.

#include "convert.hpp"

namespace pgsafe::sql::detail {
namespace {

// `name` is in the option list, set to false (create_slot = false, connect = off).
bool option_false(Node* const* options, size_t count, const char* name) {
    const PgQuery__DefElem* option = find_option(options, count, name);
    return option != nullptr && option_value_off(option->arg);
}

bool reindex_many(PgQuery__ReindexObjectType kind) {
    return kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA ||
           kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM ||
           kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE;
}

}  // namespace

std::string outside_transaction_block(const Node* stmt) {
    switch (stmt->node_case) {
        case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT: return "ALTER SYSTEM";
        case PG_QUERY__NODE__NODE_CREATEDB_STMT: return "CREATE DATABASE";
        case PG_QUERY__NODE__NODE_DROPDB_STMT: return "DROP DATABASE";
        case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT: return "CREATE TABLESPACE";
        case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT: return "DROP TABLESPACE";
        case PG_QUERY__NODE__NODE_DROP_SUBSCRIPTION_STMT: return "DROP SUBSCRIPTION";
        case PG_QUERY__NODE__NODE_DISCARD_STMT:
            return stmt->discard_stmt->target == PG_QUERY__DISCARD_MODE__DISCARD_ALL ? "DISCARD ALL" : "";
        case PG_QUERY__NODE__NODE_VACUUM_STMT: return stmt->vacuum_stmt->is_vacuumcmd ? "VACUUM" : "";
        case PG_QUERY__NODE__NODE_CLUSTER_STMT:
            return stmt->cluster_stmt->relation == nullptr ? "CLUSTER without a table" : "";
        case PG_QUERY__NODE__NODE_REINDEX_STMT:
            return reindex_many(stmt->reindex_stmt->kind) ? "REINDEX SCHEMA / SYSTEM / DATABASE" : "";
        case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
            switch (stmt->transaction_stmt->kind) {
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT_PREPARED: return "COMMIT PREPARED";
                case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_PREPARED:
                    return "ROLLBACK PREPARED";
                default: return "";
            }
        case PG_QUERY__NODE__NODE_ALTER_DATABASE_STMT: {
            const auto* s = stmt->alter_database_stmt;
            return find_option(s->options, s->n_options, "tablespace") != nullptr
                       ? "ALTER DATABASE … SET TABLESPACE"
                       : "";
        }
        case PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT: {
            const auto* s = stmt->create_subscription_stmt;
            bool slot = !option_false(s->options, s->n_options, "create_slot") &&
                        !option_false(s->options, s->n_options, "connect");
            return slot ? "CREATE SUBSCRIPTION (creating a slot)" : "";
        }
        default: return "";
    }
}

bool copy_from_stdin(const Node* stmt) {
    if (stmt->node_case != PG_QUERY__NODE__NODE_COPY_STMT) return false;
    const auto* s = stmt->copy_stmt;
    return s->is_from && (s->filename == nullptr || *s->filename == '\0') && !s->is_program;
}

}  // namespace pgsafe::sql::detail
