// PostgreSQL's naming of unnamed constraints and indexes, from the string
// rules (makeObjectName) to what it reads from the tree: FigureColname for
// index expressions, the single column a CHECK names.

#include "pgsafe/sql/pg_names.hpp"

#include "choose_names.hpp"
#include "nodes.hpp"
#include "tree.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace pgsafe::sql {

std::string clip_identifier(const std::string& name, std::size_t limit) {
    if (name.size() <= limit) return name;
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
    return name.substr(0, end);
}

std::string make_object_name(const std::string& name1, const std::string& name2, const std::string& label) {
    std::size_t overhead = name2.empty() ? 0 : 1;
    if (!label.empty()) overhead += label.size() + 1;
    const std::size_t avail = k_namedatalen - 1 - overhead;
    std::size_t chars1 = name1.size();
    std::size_t chars2 = name2.size();
    while (chars1 + chars2 > avail) {
        if (chars1 > chars2)
            --chars1;
        else
            --chars2;
    }
    std::string out = clip_identifier(name1, chars1);
    if (!name2.empty()) out += "_" + clip_identifier(name2, chars2);
    if (!label.empty()) out += "_" + label;
    return out;
}

std::string name_addition(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) {
        if (!out.empty()) out += '_';
        out += clip_identifier(name, k_namedatalen - 1);
        if (out.size() >= k_namedatalen) break;
    }
    return out;
}

namespace detail {
namespace {

// FigureColnameInternal: the name and its strength (0: none, 1: a type name, 2: a real name).
std::pair<int, std::string> figure_colname(const Node* node, bool& unsure) {
    if (node == nullptr) return {0, ""};
    switch (node->node_case) {
        case PG_QUERY__NODE__NODE_COLUMN_REF: {
            const auto* ref = node->column_ref;
            for (size_t i = ref->n_fields; i-- > 0;) {
                if (ref->fields[i]->node_case == PG_QUERY__NODE__NODE_STRING)
                    return {2, string_value(ref->fields[i])};
            }
            return {0, ""};
        }
        case PG_QUERY__NODE__NODE_A_INDIRECTION: {
            const auto* ind = node->a_indirection;
            for (size_t i = ind->n_indirection; i-- > 0;) {
                if (ind->indirection[i]->node_case == PG_QUERY__NODE__NODE_STRING)
                    return {2, string_value(ind->indirection[i])};
            }
            return figure_colname(ind->arg, unsure);
        }
        case PG_QUERY__NODE__NODE_FUNC_CALL: {
            const auto* f = node->func_call;
            if (f->n_funcname == 0) return {0, ""};
            return {2, string_value(f->funcname[f->n_funcname - 1])};
        }
        case PG_QUERY__NODE__NODE_A_EXPR:
            if (node->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF) return {2, "nullif"};
            return {0, ""};
        case PG_QUERY__NODE__NODE_TYPE_CAST: {
            auto inner = figure_colname(node->type_cast->arg, unsure);
            if (inner.first != 0) return inner;
            const auto* type = node->type_cast->type_name;
            if (type != nullptr && type->n_names > 0)
                return {1, string_value(type->names[type->n_names - 1])};
            return {0, ""};
        }
        case PG_QUERY__NODE__NODE_COLLATE_CLAUSE: return figure_colname(node->collate_clause->arg, unsure);
        case PG_QUERY__NODE__NODE_CASE_EXPR: {
            auto inner = figure_colname(node->case_expr->defresult, unsure);
            if (inner.first != 0) return inner;
            return {1, "case"};
        }
        case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: return {2, "array"};
        case PG_QUERY__NODE__NODE_ROW_EXPR: return {2, "row"};
        case PG_QUERY__NODE__NODE_COALESCE_EXPR: return {2, "coalesce"};
        case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
            return {2, node->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least"};
        case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
        case PG_QUERY__NODE__NODE_XML_EXPR:
        case PG_QUERY__NODE__NODE_XML_SERIALIZE:
        case PG_QUERY__NODE__NODE_SUB_LINK:
        case PG_QUERY__NODE__NODE_GROUPING_FUNC:
            unsure = true;  // PostgreSQL names these; pgsafe does not model all of them
            return {0, ""};
        default: return {0, ""};
    }
}

}  // namespace

std::optional<std::vector<std::string>> index_column_names(const PgQuery__IndexStmt* index) {
    // Key columns, then INCLUDE columns: PostgreSQL names the index after both (allIndexParams).
    std::vector<const Node*> params(index->index_params, index->index_params + index->n_index_params);
    params.insert(params.end(), index->index_including_params,
                  index->index_including_params + index->n_index_including_params);
    std::vector<std::string> out;
    for (const Node* p : params) {
        if (p->node_case != PG_QUERY__NODE__NODE_INDEX_ELEM) return std::nullopt;
        const auto* elem = p->index_elem;
        std::string name;
        if (elem->indexcolname != nullptr && *elem->indexcolname != '\0') {
            name = elem->indexcolname;
        } else if (elem->name != nullptr && *elem->name != '\0') {
            name = elem->name;
        } else {
            bool unsure = false;
            auto [strength, figured] = figure_colname(elem->expr, unsure);
            if (unsure) return std::nullopt;
            name = strength != 0 ? figured : "expr";
        }
        // A name already used by an earlier column gets a number (ChooseIndexColumnNames).
        std::string chosen = name;
        for (int n = 1; std::find(out.begin(), out.end(), chosen) != out.end(); ++n) {
            std::string suffix = std::to_string(n);
            chosen = clip_identifier(name, k_namedatalen - 1 - suffix.size()) + suffix;
        }
        out.push_back(chosen);
    }
    return out;
}

std::optional<std::string> check_constraint_column(const PgQuery__Constraint* check) {
    std::set<std::string> columns;
    bool whole_row = false;
    walk(&check->raw_expr->base, [&](const ProtobufCMessage* m) {
        if (m->descriptor != &pg_query__column_ref__descriptor) return;
        const auto* ref = reinterpret_cast<const PgQuery__ColumnRef*>(m);
        const Node* last = ref->fields[ref->n_fields - 1];
        if (last->node_case != PG_QUERY__NODE__NODE_STRING)
            whole_row = true;
        else
            columns.insert(string_value(last));
    });
    if (whole_row) return std::nullopt;
    return columns.size() == 1 ? *columns.begin() : std::string();
}

}  // namespace detail
}  // namespace pgsafe::sql
