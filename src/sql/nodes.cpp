// Reading libpg_query's protobuf-c nodes into IR values: names, types,
// expressions, constraints and column definitions shared by every statement.

#include "nodes.hpp"

#include "choose_names.hpp"

#include <algorithm>
#include <cctype>

namespace pgsafe::sql::detail {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void walk_expr(const Node* node, ExprInfo& info);

void walk_list(Node* const* nodes, size_t count, ExprInfo& info) {
    for (size_t i = 0; i < count; ++i) walk_expr(nodes[i], info);
}

// Collects what an expression calls; anything not a literal, cast, array or
// operator over those makes it non-constant.
void walk_expr(const Node* node, ExprInfo& info) {
    if (node == nullptr) return;
    switch (node->node_case) {
        case PG_QUERY__NODE__NODE_A_CONST: return;
        case PG_QUERY__NODE__NODE_TYPE_CAST: walk_expr(node->type_cast->arg, info); return;
        case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
            walk_list(node->a_array_expr->elements, node->a_array_expr->n_elements, info);
            return;
        case PG_QUERY__NODE__NODE_A_EXPR:
            walk_expr(node->a_expr->lexpr, info);
            walk_expr(node->a_expr->rexpr, info);
            return;
        case PG_QUERY__NODE__NODE_BOOL_EXPR:
            walk_list(node->bool_expr->args, node->bool_expr->n_args, info);
            return;
        case PG_QUERY__NODE__NODE_LIST: walk_list(node->list->items, node->list->n_items, info); return;
        case PG_QUERY__NODE__NODE_COLLATE_CLAUSE: walk_expr(node->collate_clause->arg, info); return;
        case PG_QUERY__NODE__NODE_NULL_TEST:
            info.constant = false;
            walk_expr(node->null_test->arg, info);
            return;
        case PG_QUERY__NODE__NODE_FUNC_CALL: {
            info.constant = false;
            auto names = string_list(node->func_call->funcname, node->func_call->n_funcname);
            if (!names.empty()) info.functions.push_back(lower(names.back()));
            walk_list(node->func_call->args, node->func_call->n_args, info);
            return;
        }
        case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
            info.constant = false;
            info.has_sql_value_function = true;
            return;
        case PG_QUERY__NODE__NODE_SUB_LINK:
            info.constant = false;
            info.has_subquery = true;
            return;
        case PG_QUERY__NODE__NODE_CASE_EXPR: {
            info.constant = false;
            const auto* c = node->case_expr;
            walk_expr(c->arg, info);
            walk_list(c->args, c->n_args, info);
            walk_expr(c->defresult, info);
            return;
        }
        case PG_QUERY__NODE__NODE_CASE_WHEN:
            walk_expr(node->case_when->expr, info);
            walk_expr(node->case_when->result, info);
            return;
        case PG_QUERY__NODE__NODE_COALESCE_EXPR:
            info.constant = false;
            walk_list(node->coalesce_expr->args, node->coalesce_expr->n_args, info);
            return;
        default: info.constant = false; return;
    }
}

int32_t expr_location(const Node* node) {
    if (node == nullptr) return -1;
    switch (node->node_case) {
        case PG_QUERY__NODE__NODE_A_CONST: return node->a_const->location;
        case PG_QUERY__NODE__NODE_TYPE_CAST: return node->type_cast->location;
        case PG_QUERY__NODE__NODE_FUNC_CALL: return node->func_call->location;
        case PG_QUERY__NODE__NODE_A_EXPR: return node->a_expr->location;
        case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: return node->sqlvalue_function->location;
        case PG_QUERY__NODE__NODE_COLUMN_REF: return node->column_ref->location;
        default: return -1;
    }
}

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

bool for_each_raw_statement(const std::string& sql,
                            const std::function<void(const PgQuery__RawStmt*, Span)>& each) {
    PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(sql.c_str());
    PgQuery__ParseResult* result =
        parsed.error != nullptr
            ? nullptr
            : pg_query__parse_result__unpack(nullptr, parsed.parse_tree.len,
                                             reinterpret_cast<const uint8_t*>(parsed.parse_tree.data));
    if (result != nullptr) {
        for (std::size_t i = 0; i < result->n_stmts; ++i) {
            const PgQuery__RawStmt* raw = result->stmts[i];
            std::size_t begin = static_cast<std::size_t>(raw->stmt_location);
            std::size_t end =
                raw->stmt_len == 0 ? sql.size() : begin + static_cast<std::size_t>(raw->stmt_len);
            end = std::min(end, sql.size());
            while (begin < end && is_space(sql[begin])) ++begin;
            while (end > begin && (is_space(sql[end - 1]) || sql[end - 1] == ';')) --end;
            each(raw, Span{begin, end});
        }
        pg_query__parse_result__free_unpacked(result, nullptr);
    }
    pg_query_free_protobuf_parse_result(parsed);
    return result != nullptr;
}

std::string node_type_name(const Node* node) {
    if (node == nullptr || node->node_case == PG_QUERY__NODE__NODE__NOT_SET) return "Unknown";
    const ProtobufCFieldDescriptor* field = protobuf_c_message_descriptor_get_field(
        &pg_query__node__descriptor, static_cast<unsigned>(node->node_case));
    if (field == nullptr || field->descriptor == nullptr) return "Unknown";
    return static_cast<const ProtobufCMessageDescriptor*>(field->descriptor)->short_name;
}

std::string string_value(const Node* node) {
    if (node != nullptr && node->node_case == PG_QUERY__NODE__NODE_STRING && node->string != nullptr)
        return node->string->sval;
    return {};
}

const PgQuery__DefElem* find_option(Node* const* options, size_t count, const char* name) {
    for (size_t i = 0; i < count; ++i) {
        if (options[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
            std::string(options[i]->def_elem->defname) == name)
            return options[i]->def_elem;
    }
    return nullptr;
}

bool option_value_off(const Node* arg) {
    if (arg == nullptr) return false;
    if (arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN) return !arg->boolean->boolval;
    if (arg->node_case == PG_QUERY__NODE__NODE_INTEGER) return arg->integer->ival == 0;
    std::string text = string_value(arg);
    if (arg->node_case == PG_QUERY__NODE__NODE_TYPE_NAME && arg->type_name->n_names == 1)
        text = string_value(arg->type_name->names[0]);  // create_slot = off: `off` parses as a type name
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text == "false" || text == "off" || text == "0" || text == "no";
}

std::vector<std::string> string_list(Node* const* nodes, size_t count) {
    std::vector<std::string> out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        if (nodes[i]->node_case == PG_QUERY__NODE__NODE_STRING) out.push_back(string_value(nodes[i]));
    }
    return out;
}

RelationName relation_name(const PgQuery__RangeVar* range_var) {
    if (range_var == nullptr) return {};
    return RelationName{range_var->schemaname, range_var->relname};
}

RelationName relation_from_names(const std::vector<std::string>& names) {
    if (names.empty()) return {};
    if (names.size() == 1) return RelationName{"", names[0]};
    return RelationName{names[names.size() - 2], names.back()};
}

TypeName type_name(const PgQuery__TypeName* type) {
    TypeName out;
    if (type == nullptr) return out;
    out.names = string_list(type->names, type->n_names);
    out.array = type->n_array_bounds > 0;
    out.pct_type = type->pct_type;
    for (size_t i = 0; i < type->n_typmods; ++i) {
        const Node* mod = type->typmods[i];
        if (mod->node_case == PG_QUERY__NODE__NODE_A_CONST &&
            mod->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
            out.modifiers.push_back(mod->a_const->ival->ival);
    }
    return out;
}

ExprInfo expr_info(const Node* expr, const Ctx& ctx) {
    ExprInfo info;
    if (expr == nullptr) return info;
    info.present = true;
    info.constant = true;
    walk_expr(expr, info);
    info.span = ctx.span_at(expr_location(expr));
    if (expr->node_case == PG_QUERY__NODE__NODE_NULL_TEST &&
        expr->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL &&
        expr->null_test->arg != nullptr &&
        expr->null_test->arg->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
        const auto* ref = expr->null_test->arg->column_ref;
        if (ref->n_fields == 1) info.not_null_column = string_value(ref->fields[0]);
    }
    return info;
}

ObjectKind object_kind(PgQuery__ObjectType type) {
    switch (type) {
        case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: return ObjectKind::Table;
        case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: return ObjectKind::Index;
        case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: return ObjectKind::View;
        case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: return ObjectKind::MaterializedView;
        case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: return ObjectKind::Sequence;
        case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE: return ObjectKind::ForeignTable;
        case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE: return ObjectKind::Type;
        case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN: return ObjectKind::Type;
        case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: return ObjectKind::Schema;
        case PG_QUERY__OBJECT_TYPE__OBJECT_DATABASE: return ObjectKind::Database;
        case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN: return ObjectKind::Column;
        case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT: return ObjectKind::Constraint;
        case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER: return ObjectKind::Trigger;
        case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION: return ObjectKind::Function;
        case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE: return ObjectKind::Function;
        case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION: return ObjectKind::Extension;
        case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY: return ObjectKind::Policy;
        case PG_QUERY__OBJECT_TYPE__OBJECT_RULE: return ObjectKind::Rule;
        default: return ObjectKind::Other;
    }
}

namespace {

ConstraintKind constraint_kind(PgQuery__ConstrType type) {
    switch (type) {
        case PG_QUERY__CONSTR_TYPE__CONSTR_NULL: return ConstraintKind::Null;
        case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL: return ConstraintKind::NotNull;
        case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT: return ConstraintKind::Default;
        case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY: return ConstraintKind::Identity;
        case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED: return ConstraintKind::Generated;
        case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK: return ConstraintKind::Check;
        case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY: return ConstraintKind::PrimaryKey;
        case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE: return ConstraintKind::Unique;
        case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION: return ConstraintKind::Exclusion;
        case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN: return ConstraintKind::ForeignKey;
        case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRABLE:
        case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_NOT_DEFERRABLE:
        case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRED:
        case PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_IMMEDIATE: return ConstraintKind::AttrDeferrable;
        default: return ConstraintKind::Other;
    }
}

}  // namespace

Constraint constraint(const PgQuery__Constraint* c, const Ctx& ctx) {
    Constraint out;
    if (c == nullptr) return out;
    out.kind = constraint_kind(c->contype);
    out.name = c->conname;
    out.not_valid = c->skip_validation;
    out.deferrable = c->deferrable;
    out.columns = out.kind == ConstraintKind::ForeignKey ? string_list(c->fk_attrs, c->n_fk_attrs)
                                                         : string_list(c->keys, c->n_keys);
    out.include_columns = string_list(c->including, c->n_including);
    out.using_index = c->indexname;
    out.referenced_table = relation_name(c->pktable);
    out.referenced_columns = string_list(c->pk_attrs, c->n_pk_attrs);
    out.generated_stored = out.kind == ConstraintKind::Generated;  // PostgreSQL 15 has only STORED
    out.expr = expr_info(c->raw_expr, ctx);
    if (out.kind == ConstraintKind::Check && c->raw_expr != nullptr)
        out.check_column = check_constraint_column(c);
    out.span = ctx.span_at(c->location);
    return out;
}

ColumnDef column_def(const PgQuery__ColumnDef* def, const Ctx& ctx) {
    ColumnDef out;
    if (def == nullptr) return out;
    out.name = def->colname;
    out.type = type_name(def->type_name);
    out.not_null = def->is_not_null;
    if (def->raw_default != nullptr) {
        Constraint d;
        d.kind = ConstraintKind::Default;
        d.expr = expr_info(def->raw_default, ctx);
        d.span = d.expr.span;
        out.default_value = d;
    }
    for (size_t i = 0; i < def->n_constraints; ++i) {
        const Node* node = def->constraints[i];
        if (node->node_case != PG_QUERY__NODE__NODE_CONSTRAINT) continue;
        Constraint c = constraint(node->constraint, ctx);
        if (c.kind == ConstraintKind::NotNull || c.kind == ConstraintKind::PrimaryKey) out.not_null = true;
        if (c.kind == ConstraintKind::PrimaryKey) out.primary_key = true;
        if (c.kind == ConstraintKind::Default) out.default_value = c;
        out.constraints.push_back(std::move(c));
    }
    out.span = ctx.span_at(def->location);
    return out;
}

Span Ctx::span_at(int32_t location) const {
    if (location < 0) return statement;
    size_t begin = base + static_cast<size_t>(location);
    return Span{begin, std::max(begin, statement.end)};
}

}  // namespace pgsafe::sql::detail
