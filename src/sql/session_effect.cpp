// What a statement leaves in the session for the statements after it,
// beyond its own transaction: temporary objects and prepared statements
// (gone with the session, so a resume in a new session does not have them),
// and settings made by SELECT set_config(…, false). Read from the parse
// tree, never from the text.

#include "pgsafe/sql/session_effect.hpp"

#include "convert.hpp"

#include <algorithm>
#include <cctype>

namespace pgsafe::sql {
namespace {

using namespace detail;
using Kind = SessionStatement::Kind;

bool temporary(const PgQuery__RangeVar* rel) {
    if (rel == nullptr) return false;
    std::string schema = rel->schemaname != nullptr ? rel->schemaname : "";
    return std::string(rel->relpersistence) == "t" || schema == "pg_temp" || schema.rfind("pg_temp_", 0) == 0;
}

SessionStatement temporary_object(const PgQuery__RangeVar* rel, const char* what) {
    SessionStatement out;
    if (!temporary(rel)) return out;
    out.kind = Kind::TemporaryObject;
    out.what = what;
    out.name = relation_name(rel);
    return out;
}

SessionStatement temporary_object(const char* what, RelationName name) {
    SessionStatement out;
    out.kind = Kind::TemporaryObject;
    out.what = what;
    out.name = std::move(name);
    return out;
}

SessionStatement setting() {
    SessionStatement out;
    out.kind = Kind::Setting;
    return out;
}

// A constant false as set_config's third argument: false, 'f', 'off', 0 … (possibly cast).
bool constant_false(const Node* arg) {
    if (arg == nullptr) return false;
    if (arg->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) return constant_false(arg->type_cast->arg);
    if (arg->node_case != PG_QUERY__NODE__NODE_A_CONST) return false;
    const auto* c = arg->a_const;
    switch (c->val_case) {
        case PG_QUERY__A__CONST__VAL_BOOLVAL: return !c->boolval->boolval;
        case PG_QUERY__A__CONST__VAL_IVAL: return c->ival->ival == 0;
        case PG_QUERY__A__CONST__VAL_SVAL: {
            std::string text = c->sval->sval;
            std::transform(text.begin(), text.end(), text.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            return text == "f" || text == "false" || text == "off" || text == "no" || text == "n" ||
                   text == "0";
        }
        default: return false;
    }
}

bool session_set_config(const Node* value) {
    if (value == nullptr || value->node_case != PG_QUERY__NODE__NODE_FUNC_CALL) return false;
    const auto* f = value->func_call;
    auto name = string_list(f->funcname, f->n_funcname);
    if (name.empty() || name.back() != "set_config") return false;
    if (name.size() == 2 && name.front() != "pg_catalog") return false;
    return f->n_args == 3 && constant_false(f->args[2]);
}

// `SELECT set_config(…, false)[, …]` with nothing else: no FROM, no WHERE,
// every target a session-level set_config. Such a statement can be run
// again to restore the setting; anything else is not recognised.
bool set_config_only(const PgQuery__SelectStmt* s) {
    if (s == nullptr || s->n_target_list == 0 || s->n_from_clause > 0 || s->where_clause != nullptr ||
        s->into_clause != nullptr || s->with_clause != nullptr || s->larg != nullptr || s->n_values_lists > 0)
        return false;
    for (size_t i = 0; i < s->n_target_list; ++i) {
        const Node* t = s->target_list[i];
        if (t->node_case != PG_QUERY__NODE__NODE_RES_TARGET || !session_set_config(t->res_target->val))
            return false;
    }
    return true;
}

// What one statement leaves in the session.
SessionStatement effect_of(const Node* stmt) {
    switch (stmt->node_case) {
        case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT: {
            Detail d = convert_statement(stmt, Ctx{});
            const auto* set = std::get_if<VariableSet>(&d);
            return set != nullptr && session_level(*set) ? setting() : SessionStatement{};
        }
        case PG_QUERY__NODE__NODE_CREATE_STMT:
            return temporary_object(stmt->create_stmt->relation, "temporary table");
        case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT: {
            const auto* s = stmt->create_table_as_stmt;
            if (s->into == nullptr) return {};
            bool view = s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW;
            return temporary_object(s->into->rel, view ? "temporary materialized view" : "temporary table");
        }
        case PG_QUERY__NODE__NODE_VIEW_STMT: return temporary_object(stmt->view_stmt->view, "temporary view");
        case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
            return temporary_object(stmt->create_seq_stmt->sequence, "temporary sequence");
        case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT: {
            const auto* s = stmt->create_function_stmt;
            auto name = string_list(s->funcname, s->n_funcname);
            if (name.size() != 2 || (name[0] != "pg_temp" && name[0].rfind("pg_temp_", 0) != 0)) return {};
            return temporary_object(s->is_procedure ? "temporary procedure" : "temporary function",
                                    RelationName{name[0], name[1]});
        }
        case PG_QUERY__NODE__NODE_PREPARE_STMT:
            return temporary_object("prepared statement", RelationName{"", stmt->prepare_stmt->name});
        case PG_QUERY__NODE__NODE_SELECT_STMT: {
            // SELECT … INTO TEMP t (the INTO sits in the leftmost SELECT of a UNION)
            for (const auto* s = stmt->select_stmt; s != nullptr; s = s->larg)
                if (s->into_clause != nullptr)
                    return temporary_object(s->into_clause->rel, "temporary table");
            return set_config_only(stmt->select_stmt) ? setting() : SessionStatement{};
        }
        default: return {};
    }
}

}  // namespace

bool session_level(const VariableSet& set) {
    return !set.local && set.name != "transaction" && set.name != "transaction snapshot";
}

std::optional<std::vector<SessionStatement>> session_statements(const std::string& sql) {
    std::vector<SessionStatement> out;
    bool parsed = for_each_raw_statement(sql, [&](const PgQuery__RawStmt* raw, Span span) {
        SessionStatement s = effect_of(raw->stmt);
        s.span = span;
        if (raw->stmt->node_case == PG_QUERY__NODE__NODE_DROP_STMT) {
            Detail d = convert_statement(raw->stmt, Ctx{0, s.span});
            if (const auto* drop = std::get_if<Drop>(&d)) s.dropped = drop->names;
        }
        out.push_back(std::move(s));
    });
    if (!parsed) return std::nullopt;
    return out;
}

}  // namespace pgsafe::sql
