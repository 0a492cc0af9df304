// StatementEdit: a rewrite works on a deep copy of one statement's tree; new
// subcommands and statements come from templates pgsafe parses itself, so
// every field is set the way the parser sets it, and deparse_checked proves
// the SQL means the edited tree.

#include "pgsafe/sql/edit.hpp"

#include "pgsafe/sql/identifier.hpp"
#include "pgsafe/sql/pg_names.hpp"

#include "choose_names.hpp"
#include "nodes.hpp"
#include "parse_tree.hpp"
#include "tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace pgsafe::sql {

using detail::Node;

struct StatementEdit::Tree {
    Node* statement = nullptr;
    int32_t version = PG_VERSION_NUM;
    ~Tree() { detail::free_node(statement); }
};

namespace {

PgQuery__AlterTableCmd* alter_cmd(Node* statement, std::size_t action) {
    if (statement->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
        throw std::logic_error("not an ALTER TABLE");
    auto* alter = statement->alter_table_stmt;
    if (action >= alter->n_cmds || alter->cmds[action]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
        throw std::logic_error("no such ALTER TABLE action");
    return alter->cmds[action]->alter_table_cmd;
}

PgQuery__Constraint* added_constraint(Node* statement, std::size_t action) {
    auto* cmd = alter_cmd(statement, action);
    if (cmd->def == nullptr || cmd->def->node_case != PG_QUERY__NODE__NODE_CONSTRAINT) return nullptr;
    return cmd->def->constraint;
}

bool has_name(const char* s) {
    return s != nullptr && *s != '\0';
}

// The name PostgreSQL gives an unnamed constraint of `table`.
std::optional<std::string> chosen_constraint_name(const std::string& table, const PgQuery__Constraint* c) {
    switch (c->contype) {
        case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
            return make_object_name(table, name_addition(detail::string_list(c->fk_attrs, c->n_fk_attrs)),
                                    "fkey");
        case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK: {
            auto column = detail::check_constraint_column(c);
            if (!column) return std::nullopt;
            return make_object_name(table, *column, "check");
        }
        case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
            if (has_name(c->indexname)) return std::string(c->indexname);
            {
                // Named after the key columns and then the INCLUDE columns, as the index it makes.
                std::vector<std::string> columns = detail::string_list(c->keys, c->n_keys);
                for (auto& column : detail::string_list(c->including, c->n_including))
                    columns.push_back(column);
                return make_object_name(table, name_addition(columns), "key");
            }
        case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
            if (has_name(c->indexname)) return std::string(c->indexname);
            return make_object_name(table, "", "pkey");
        default: return std::nullopt;
    }
}

void mark_not_valid(PgQuery__Constraint* c, const std::string& name) {
    detail::set_string(c->conname, name);
    c->skip_validation = true;
    c->initially_valid = false;
}

void set_relation(PgQuery__RangeVar* range_var, const RelationName& table) {
    detail::set_string(range_var->schemaname, table.schema);
    detail::set_string(range_var->relname, table.name);
}

// Deparses a statement pgsafe built itself; failing here is a pgsafe bug.
std::string built_sql(const detail::OwnedResult& result) {
    auto sql = detail::deparse_checked(detail::template_statement(result), result->version);
    if (!sql) throw std::logic_error("pgsafe built a statement it cannot deparse");
    return *sql;
}

PgQuery__AlterTableCmd* first_cmd(const detail::OwnedResult& result) {
    return detail::template_statement(result)->alter_table_stmt->cmds[0]->alter_table_cmd;
}

}  // namespace

StatementEdit::StatementEdit(const ParsedFile& file, const Statement& statement)
    : m_tree(std::make_unique<Tree>()) {
    if (!file.tree) throw std::logic_error("StatementEdit needs a file parsed with KeepTree::Yes");
    m_tree->statement = detail::clone(file.tree->raw_statement(statement.tree_index)->stmt);
    m_tree->version = file.tree->version();
}

StatementEdit::StatementEdit(StatementEdit&&) noexcept = default;
StatementEdit& StatementEdit::operator=(StatementEdit&&) noexcept = default;
StatementEdit::~StatementEdit() = default;

std::optional<std::string> StatementEdit::sql() const {
    return detail::deparse_checked(m_tree->statement, m_tree->version);
}

std::optional<std::string> StatementEdit::constraint_name(std::size_t action) const {
    const auto* c = added_constraint(m_tree->statement, action);
    if (c == nullptr) return std::nullopt;
    if (has_name(c->conname)) return std::string(c->conname);
    return chosen_constraint_name(m_tree->statement->alter_table_stmt->relation->relname, c);
}

void StatementEdit::make_not_valid(std::size_t action, const std::string& name) {
    auto* c = added_constraint(m_tree->statement, action);
    if (c == nullptr) throw std::logic_error("not an ADD CONSTRAINT");
    mark_not_valid(c, name);
}

std::optional<std::vector<std::string>> StatementEdit::split_column_constraints(std::size_t action) {
    auto* cmd = alter_cmd(m_tree->statement, action);
    if (cmd->def == nullptr || cmd->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF) return std::nullopt;
    auto* column = cmd->def->column_def;
    const std::string table = m_tree->statement->alter_table_stmt->relation->relname;

    std::vector<std::size_t> moved;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < column->n_constraints; ++i) {
        const Node* node = column->constraints[i];
        if (node->node_case != PG_QUERY__NODE__NODE_CONSTRAINT) return std::nullopt;
        const auto* c = node->constraint;
        // DEFERRABLE / INITIALLY … apply to the constraint before them: keep those statements as written.
        if (c->contype >= PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRABLE &&
            c->contype <= PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_IMMEDIATE)
            return std::nullopt;
        if (c->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN &&
            c->contype != PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
            continue;
        if (has_name(c->conname)) {
            names.emplace_back(c->conname);
        } else if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
            names.push_back(make_object_name(table, name_addition({column->colname}), "fkey"));
        } else {
            auto name = chosen_constraint_name(table, c);
            if (!name) return std::nullopt;
            names.push_back(*name);
        }
        moved.push_back(i);
    }
    if (moved.empty()) return std::nullopt;

    auto* alter = m_tree->statement->alter_table_stmt;
    for (std::size_t k = moved.size(); k-- > 0;) {
        Node* node = detail::take_node(column->constraints, column->n_constraints, moved[k]);
        PgQuery__Constraint* c = node->constraint;
        if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN)
            detail::append_node(c->fk_attrs, c->n_fk_attrs, detail::string_node(column->colname));
        mark_not_valid(c, names[k]);
        // A parser-made ADD CONSTRAINT subcommand, its constraint swapped for the moved one.
        detail::OwnedResult skeleton =
            detail::parse_template("ALTER TABLE t ADD CONSTRAINT c CHECK (true) NOT VALID");
        auto* skeleton_alter = detail::template_statement(skeleton)->alter_table_stmt;
        Node* new_cmd = detail::take_node(skeleton_alter->cmds, skeleton_alter->n_cmds, 0);
        detail::free_node(new_cmd->alter_table_cmd->def);
        new_cmd->alter_table_cmd->def = node;
        detail::append_node(alter->cmds, alter->n_cmds, new_cmd);
    }
    // Appended in reverse; PostgreSQL runs all ADD COLUMNs before any ADD CONSTRAINT either way.
    std::reverse(alter->cmds + alter->n_cmds - moved.size(), alter->cmds + alter->n_cmds);
    return names;
}

void StatementEdit::use_index(std::size_t action, const std::string& name) {
    auto* cmd = alter_cmd(m_tree->statement, action);
    auto* c = added_constraint(m_tree->statement, action);
    if (c == nullptr) throw std::logic_error("not an ADD CONSTRAINT");
    bool primary = c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
    detail::OwnedResult skeleton =
        detail::parse_template(primary ? "ALTER TABLE t ADD CONSTRAINT c PRIMARY KEY USING INDEX c"
                                       : "ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX c");
    PgQuery__AlterTableCmd* skeleton_cmd = first_cmd(skeleton);
    Node* def = skeleton_cmd->def;
    skeleton_cmd->def = nullptr;
    detail::set_string(def->constraint->conname, name);
    detail::set_string(def->constraint->indexname, name);
    def->constraint->deferrable = c->deferrable;
    def->constraint->initdeferred = c->initdeferred;
    detail::free_node(cmd->def);
    cmd->def = def;
}

std::optional<std::string> StatementEdit::unique_index_for(std::size_t action,
                                                           const std::string& name) const {
    const auto* c = added_constraint(m_tree->statement, action);
    if (c == nullptr || c->n_keys == 0 || c->where_clause != nullptr || has_name(c->indexname))
        return std::nullopt;
    std::vector<std::string> keys = detail::string_list(c->keys, c->n_keys);
    std::vector<std::string> include = detail::string_list(c->including, c->n_including);
    if (keys.size() != c->n_keys || include.size() != c->n_including) return std::nullopt;

    std::string text = "CREATE UNIQUE INDEX CONCURRENTLY i ON t (";
    for (std::size_t i = 0; i < keys.size(); ++i) text += fmt::format("{}k{}", i ? ", " : "", i);
    text += ")";
    if (!include.empty()) {
        text += " INCLUDE (";
        for (std::size_t i = 0; i < include.size(); ++i) text += fmt::format("{}c{}", i ? ", " : "", i);
        text += ")";
    }
    detail::OwnedResult built = detail::parse_template(text);
    auto* index = detail::template_statement(built)->index_stmt;
    detail::set_string(index->idxname, name);
    detail::free_node(index->relation);
    index->relation = detail::clone(m_tree->statement->alter_table_stmt->relation);
    for (std::size_t i = 0; i < keys.size(); ++i)
        detail::set_string(index->index_params[i]->index_elem->name, keys[i]);
    for (std::size_t i = 0; i < include.size(); ++i)
        detail::set_string(index->index_including_params[i]->index_elem->name, include[i]);
    for (std::size_t i = 0; i < c->n_options; ++i)
        detail::append_node(index->options, index->n_options, detail::clone(c->options[i]));
    if (has_name(c->indexspace)) detail::set_string(index->table_space, c->indexspace);
    index->nulls_not_distinct = c->nulls_not_distinct;
    return detail::deparse_checked(detail::template_statement(built), built->version);
}

namespace {

// The DEFAULT expression among an ADD COLUMN's constraints.
const Node* column_default(Node* statement, std::size_t action) {
    auto* cmd = alter_cmd(statement, action);
    if (cmd->def == nullptr || cmd->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF) return nullptr;
    const auto* column = cmd->def->column_def;
    if (column->raw_default != nullptr) return column->raw_default;
    for (std::size_t i = 0; i < column->n_constraints; ++i) {
        const Node* node = column->constraints[i];
        if (node->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
            node->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT)
            return node->constraint->raw_expr;
    }
    return nullptr;
}

void set_column_ref(Node* node, const std::string& column) {
    detail::set_string(node->column_ref->fields[0]->string->sval, column);
}

// `"key" >= $1 AND "key" <= $2`, or for a key of several columns
// `("a", "b") >= ($1, $2) AND ("a", "b") <= ($3, $4)`: a batch from its
// first key to its last, both inclusive.
std::string key_range(const std::vector<std::string>& key) {
    std::string columns;
    std::string first;
    std::string last;
    for (std::size_t i = 0; i < key.size(); ++i) {
        const char* sep = i == 0 ? "" : ", ";
        columns += sep + quoted_identifier(key[i]);
        first += sep + ("$" + std::to_string(i + 1));
        last += sep + ("$" + std::to_string(key.size() + i + 1));
    }
    if (key.size() == 1) return columns + " >= " + first + " AND " + columns + " <= " + last;
    return "(" + columns + ") >= (" + first + ") AND (" + columns + ") <= (" + last + ")";
}

}  // namespace

std::optional<std::string> StatementEdit::set_default_sql(std::size_t action) const {
    const Node* expr = column_default(m_tree->statement, action);
    if (expr == nullptr) return std::nullopt;
    detail::OwnedResult built = detail::parse_template("ALTER TABLE t ALTER COLUMN c SET DEFAULT 0");
    auto* alter = detail::template_statement(built)->alter_table_stmt;
    detail::free_node(alter->relation);
    alter->relation = detail::clone(m_tree->statement->alter_table_stmt->relation);
    PgQuery__AlterTableCmd* cmd = first_cmd(built);
    detail::set_string(cmd->name, alter_cmd(m_tree->statement, action)->def->column_def->colname);
    detail::free_node(cmd->def);
    cmd->def = detail::clone(expr);
    return detail::deparse_checked(detail::template_statement(built), built->version);
}

std::optional<std::string> StatementEdit::backfill_sql(std::size_t action,
                                                       const std::vector<std::string>& key) const {
    const Node* expr = column_default(m_tree->statement, action);
    if (expr == nullptr) return std::nullopt;
    const std::string column = alter_cmd(m_tree->statement, action)->def->column_def->colname;
    if (key.empty()) return std::nullopt;
    detail::OwnedResult built =
        detail::parse_template("UPDATE t SET c = 0 WHERE c IS NULL AND " + key_range(key));
    auto* update = detail::template_statement(built)->update_stmt;
    const auto* table = m_tree->statement->alter_table_stmt->relation;
    detail::set_string(update->relation->schemaname, table->schemaname);
    detail::set_string(update->relation->relname, table->relname);
    update->relation->inh = table->inh;
    auto* target = update->target_list[0]->res_target;
    detail::set_string(target->name, column);
    detail::free_node(target->val);
    target->val = detail::clone(expr);
    set_column_ref(update->where_clause->bool_expr->args[0]->null_test->arg, column);
    return detail::deparse_checked(detail::template_statement(built), built->version);
}

bool StatementEdit::strip_default(std::size_t action) {
    auto* cmd = alter_cmd(m_tree->statement, action);
    if (cmd->def == nullptr || cmd->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF) return false;
    auto* column = cmd->def->column_def;
    if (column->raw_default != nullptr) return false;
    for (std::size_t i = 0; i < column->n_constraints; ++i) {
        const Node* node = column->constraints[i];
        if (node->node_case != PG_QUERY__NODE__NODE_CONSTRAINT) return false;
        auto type = node->constraint->contype;
        if (type != PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT && type != PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL &&
            type != PG_QUERY__CONSTR_TYPE__CONSTR_NULL)
            return false;
    }
    for (std::size_t i = column->n_constraints; i-- > 0;) {
        auto type = column->constraints[i]->constraint->contype;
        if (type == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT || type == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL)
            detail::free_node(detail::take_node(column->constraints, column->n_constraints, i));
    }
    column->is_not_null = false;
    return true;
}

bool StatementEdit::limit_to_key_range(const std::vector<std::string>& key) {
    if (key.empty()) return false;
    Node* s = m_tree->statement;
    Node** where = nullptr;
    if (s->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT) {
        auto* u = s->update_stmt;
        if (u->with_clause != nullptr || u->n_returning_list > 0 || u->n_from_clause > 0) return false;
        for (std::size_t i = 0; i < u->n_target_list; ++i) {
            if (u->target_list[i]->node_case != PG_QUERY__NODE__NODE_RES_TARGET ||
                std::find(key.begin(), key.end(), u->target_list[i]->res_target->name) != key.end())
                return false;
        }
        where = &u->where_clause;
    } else if (s->node_case == PG_QUERY__NODE__NODE_DELETE_STMT) {
        auto* d = s->delete_stmt;
        if (d->with_clause != nullptr || d->n_returning_list > 0 || d->n_using_clause > 0) return false;
        where = &d->where_clause;
    } else {
        return false;
    }
    if (*where != nullptr) return false;
    detail::OwnedResult built = detail::parse_template("DELETE FROM t WHERE " + key_range(key));
    auto* d = detail::template_statement(built)->delete_stmt;
    *where = d->where_clause;
    d->where_clause = nullptr;
    return true;
}

std::optional<std::string> StatementEdit::index_name() const {
    if (m_tree->statement->node_case != PG_QUERY__NODE__NODE_INDEX_STMT) return std::nullopt;
    const auto* index = m_tree->statement->index_stmt;
    if (has_name(index->idxname)) return std::string(index->idxname);
    auto columns = detail::index_column_names(index);
    if (!columns || index->relation == nullptr) return std::nullopt;
    const char* label = index->primary                  ? "pkey"
                        : index->n_exclude_op_names > 0 ? "excl"
                        : index->isconstraint           ? "key"
                                                        : "idx";
    return make_object_name(index->relation->relname, name_addition(*columns), label);
}

void StatementEdit::set_index_name(const std::string& name) {
    if (m_tree->statement->node_case != PG_QUERY__NODE__NODE_INDEX_STMT)
        throw std::logic_error("not a CREATE INDEX");
    detail::set_string(m_tree->statement->index_stmt->idxname, name);
}

void StatementEdit::make_concurrent() {
    Node* s = m_tree->statement;
    switch (s->node_case) {
        case PG_QUERY__NODE__NODE_INDEX_STMT: s->index_stmt->concurrent = true; return;
        case PG_QUERY__NODE__NODE_DROP_STMT: s->drop_stmt->concurrent = true; return;
        case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT: s->refresh_mat_view_stmt->concurrent = true; return;
        case PG_QUERY__NODE__NODE_REINDEX_STMT: {
            detail::OwnedResult skeleton = detail::parse_template("REINDEX (CONCURRENTLY) INDEX i");
            auto* params = detail::template_statement(skeleton)->reindex_stmt;
            Node* option = detail::take_node(params->params, params->n_params, 0);
            detail::append_node(s->reindex_stmt->params, s->reindex_stmt->n_params, option);
            return;
        }
        case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: {
            auto* cmd = alter_cmd(s, 0);
            if (s->alter_table_stmt->n_cmds != 1 || cmd->def == nullptr ||
                cmd->def->node_case != PG_QUERY__NODE__NODE_PARTITION_CMD)
                throw std::logic_error("CONCURRENTLY needs a lone DETACH PARTITION");
            cmd->def->partition_cmd->concurrent = true;
            return;
        }
        default: throw std::logic_error("statement has no CONCURRENTLY form");
    }
}

std::vector<StatementEdit> StatementEdit::split_drop() const {
    std::vector<StatementEdit> out;
    if (m_tree->statement->node_case != PG_QUERY__NODE__NODE_DROP_STMT) return out;
    const auto* drop = m_tree->statement->drop_stmt;
    for (std::size_t i = 0; i < drop->n_objects; ++i) {
        StatementEdit one;
        one.m_tree = std::make_unique<Tree>();
        one.m_tree->version = m_tree->version;
        one.m_tree->statement = detail::clone(m_tree->statement);
        auto* copy = one.m_tree->statement->drop_stmt;
        for (std::size_t k = copy->n_objects; k-- > 0;) {
            if (k == i) continue;
            detail::free_node(detail::take_node(copy->objects, copy->n_objects, k));
        }
        out.push_back(std::move(one));
    }
    return out;
}

std::string validate_constraint_sql(const RelationName& table, const std::string& constraint) {
    detail::OwnedResult built = detail::parse_template("ALTER TABLE t VALIDATE CONSTRAINT c");
    set_relation(detail::template_statement(built)->alter_table_stmt->relation, table);
    detail::set_string(first_cmd(built)->name, constraint);
    return built_sql(built);
}

std::string drop_constraint_sql(const RelationName& table, const std::string& constraint, bool if_exists) {
    detail::OwnedResult built = detail::parse_template(if_exists ? "ALTER TABLE t DROP CONSTRAINT IF EXISTS c"
                                                                 : "ALTER TABLE t DROP CONSTRAINT c");
    set_relation(detail::template_statement(built)->alter_table_stmt->relation, table);
    detail::set_string(first_cmd(built)->name, constraint);
    return built_sql(built);
}

std::string not_null_check_sql(const RelationName& table, const std::string& column,
                               const std::string& name) {
    detail::OwnedResult built =
        detail::parse_template("ALTER TABLE t ADD CONSTRAINT c CHECK (x IS NOT NULL) NOT VALID");
    set_relation(detail::template_statement(built)->alter_table_stmt->relation, table);
    auto* c = first_cmd(built)->def->constraint;
    detail::set_string(c->conname, name);
    auto* ref = c->raw_expr->null_test->arg->column_ref;
    detail::set_string(ref->fields[0]->string->sval, column);
    return built_sql(built);
}

std::string set_not_null_sql(const RelationName& table, const std::string& column) {
    detail::OwnedResult built = detail::parse_template("ALTER TABLE t ALTER COLUMN x SET NOT NULL");
    set_relation(detail::template_statement(built)->alter_table_stmt->relation, table);
    detail::set_string(first_cmd(built)->name, column);
    return built_sql(built);
}

}  // namespace pgsafe::sql
