// PL/pgSQL bodies: libpg_query's PL/pgSQL parser (pg_query_parse_plpgsql)
// compiles a DO block or a CREATE FUNCTION into a JSON tree whose statements
// carry their SQL text and line number within the body, but no offset. Each
// statement's SQL is found again on its line of the file and parsed there, so
// every span inside it points at the file; where the text differs from the
// file (quote escapes, SELECT … INTO) the statement is placed on its line.

#include "plpgsql_read.hpp"

#include "convert.hpp"
#include "tree.hpp"

#include "pgsafe/sql/plpgsql.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>

namespace pgsafe::sql {

const char* routine_kind_name(RoutineKind kind) {
    switch (kind) {
        case RoutineKind::DoBlock: return "DO block";
        case RoutineKind::Function: return "function";
        case RoutineKind::Procedure: return "procedure";
    }
    return "DO block";
}

namespace detail {
namespace {

// Ordered: the tree's keys in the order libpg_query wrote them (source order).
using Json = nlohmann::ordered_json;

enum class Quote { Dollar, Single, Escape, Other };

// A string literal as written in the file: the whole token and its content.
struct Literal {
    Span token;
    Span content;
    Quote quote = Quote::Other;
};

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// The string literal starting at `at` ($tag$…$tag$, '…', E'…'), if there is one.
std::optional<Literal> read_literal(std::string_view text, std::size_t at) {
    if (at >= text.size()) return std::nullopt;
    if (text[at] == '$') {
        std::size_t close = text.find('$', at + 1);
        if (close == std::string_view::npos) return std::nullopt;
        std::string_view tag = text.substr(at, close - at + 1);
        std::size_t end = text.find(tag, close + 1);
        if (end == std::string_view::npos) return std::nullopt;
        return Literal{Span{at, end + tag.size()}, Span{close + 1, end}, Quote::Dollar};
    }
    bool escape = (text[at] == 'E' || text[at] == 'e') && at + 1 < text.size() && text[at + 1] == '\'';
    std::size_t open = escape ? at + 1 : at;
    if (text[open] != '\'') return std::nullopt;
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (escape && text[i] == '\\') {
            ++i;
        } else if (text[i] == '\'') {
            if (i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;
                continue;
            }
            return Literal{Span{at, i + 1}, Span{open + 1, i}, escape ? Quote::Escape : Quote::Single};
        }
    }
    return std::nullopt;
}

// The first offset at or after `at` that is not white space or a comment.
std::size_t skip_blank(std::string_view text, std::size_t at) {
    while (at < text.size()) {
        if (is_space(text[at])) {
            ++at;
        } else if (text.compare(at, 2, "--") == 0) {
            std::size_t eol = text.find('\n', at);
            at = eol == std::string_view::npos ? text.size() : eol + 1;
        } else if (text.compare(at, 2, "/*") == 0) {
            std::size_t close = text.find("*/", at + 2);
            at = close == std::string_view::npos ? text.size() : close + 2;
        } else {
            break;
        }
    }
    return at;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Where a body's lines start in the file, and where a statement's SQL text is on its line.
class BodyText {
public:
    BodyText(std::string_view text, Span body, Quote quote) : m_text(text), m_body(body), m_quote(quote) {
        m_lines.push_back(body.begin);
        for (std::size_t i = body.begin; i < body.end; ++i) {
            if (text[i] == '\n') m_lines.push_back(i + 1);
        }
    }

    // Where PL/pgSQL's 1-based line `lineno` of the body starts.
    std::size_t line_start(int lineno) const {
        if (lineno < 1) return m_body.begin;
        auto index = std::min(static_cast<std::size_t>(lineno - 1), m_lines.size() - 1);
        return m_lines[index];
    }

    struct Located {
        std::size_t offset = 0;
        bool exact = false;
    };

    // `sql` (as PL/pgSQL read it) found from the start of its line on.
    Located locate(const std::string& sql, int lineno) const {
        std::size_t from = line_start(lineno);
        std::string_view rest = m_text.substr(from, m_body.end - from);
        if (std::size_t at = rest.find(sql); at != std::string_view::npos) return {from + at, true};
        if (m_quote == Quote::Single) {  // written with '' for each '
            std::string doubled;
            for (char c : sql) {
                doubled += c;
                if (c == '\'') doubled += '\'';
            }
            if (std::size_t at = rest.find(doubled); at != std::string_view::npos) return {from + at, false};
        }
        std::size_t at = from;
        while (at < m_body.end && is_space(m_text[at]) && m_text[at] != '\n') ++at;
        return {at, false};
    }

    Quote quote() const { return m_quote; }

private:
    std::string_view m_text;
    Span m_body;
    Quote m_quote;
    std::vector<std::size_t> m_lines;
};

std::vector<RelationName> calls_in(const Node* stmt) {
    std::vector<RelationName> out;
    walk(&stmt->base, [&](const ProtobufCMessage* m) {
        if (m->descriptor != &pg_query__func_call__descriptor) return;
        const auto* call = reinterpret_cast<const PgQuery__FuncCall*>(m);
        RelationName name = relation_from_names(string_list(call->funcname, call->n_funcname));
        if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    });
    return out;
}

// SQL text parsed with its spans starting at file offset `base`; nullopt when it does not parse.
std::optional<std::vector<RoutineStatement>> parse_at(const std::string& sql, std::size_t base) {
    std::vector<RoutineStatement> out;
    bool parsed = for_each_raw_statement(sql, [&](const PgQuery__RawStmt* raw, Span span) {
        RoutineStatement rs;
        Statement& s = rs.statement;
        s.span = Span{base + span.begin, base + span.end};
        s.kind = node_type_name(raw->stmt);
        s.detail = convert_statement(raw->stmt, Ctx{base, s.span});
        s.tree_index = std::numeric_limits<std::size_t>::max();
        rs.calls = called_functions(raw->stmt);
        out.push_back(std::move(rs));
    });
    if (!parsed) return std::nullopt;
    return out;
}

// The value of `expression` when it is exactly one string literal, and where
// its content starts within the expression.
struct LiteralValue {
    std::string value;
    std::size_t content_offset = 0;
    bool exact = true;  // the value is the literal's text as written
};

std::optional<LiteralValue> string_literal(const std::string& expression) {
    std::size_t begin = skip_blank(expression, 0);
    auto literal = read_literal(expression, begin);
    if (!literal || skip_blank(expression, literal->token.end) != expression.size()) return std::nullopt;
    std::string select = "SELECT " + expression;
    PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(select.c_str());
    std::optional<LiteralValue> out;
    PgQuery__ParseResult* result =
        parsed.error != nullptr
            ? nullptr
            : pg_query__parse_result__unpack(nullptr, parsed.parse_tree.len,
                                             reinterpret_cast<const uint8_t*>(parsed.parse_tree.data));
    if (result != nullptr && result->n_stmts == 1 &&
        result->stmts[0]->stmt->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) {
        const auto* select_stmt = result->stmts[0]->stmt->select_stmt;
        if (select_stmt->n_target_list == 1 &&
            select_stmt->target_list[0]->node_case == PG_QUERY__NODE__NODE_RES_TARGET) {
            const Node* val = select_stmt->target_list[0]->res_target->val;
            if (val != nullptr && val->node_case == PG_QUERY__NODE__NODE_A_CONST &&
                val->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
                LiteralValue v;
                v.value = val->a_const->sval->sval;
                v.content_offset = literal->content.begin;
                v.exact = literal->quote == Quote::Dollar ||
                          (literal->quote == Quote::Single && v.value.find('\'') == std::string::npos);
                out = std::move(v);
            }
        }
    }
    if (result != nullptr) pg_query__parse_result__free_unpacked(result, nullptr);
    pg_query_free_protobuf_parse_result(parsed);
    return out;
}

std::string query_of(const Json& expr) {
    if (!expr.is_object()) return {};
    const Json& e = expr.contains("PLpgSQL_expr") ? expr.at("PLpgSQL_expr") : expr;
    return e.value("query", std::string{});
}

// Walks the PL/pgSQL tree in source order, collecting the SQL it runs.
class Walker {
public:
    Walker(const BodyText& body, Routine& out) : m_body(body), m_out(out) {}

    void visit(const Json& j, bool conditional) {
        if (j.is_array()) {
            for (const auto& item : j) visit(item, conditional);
            return;
        }
        if (!j.is_object()) return;
        for (const auto& [key, value] : j.items()) {
            if (key.rfind("PLpgSQL_stmt_", 0) == 0) {
                statement(key, value, conditional);
            } else {
                visit(value, conditional || key == "exceptions");
            }
        }
    }

private:
    void statement(const std::string& type, const Json& s, bool conditional) {
        int lineno = s.value("lineno", 0);
        if (type == "PLpgSQL_stmt_execsql") {
            add_sql(query_of(s.value("sqlstmt", Json())), lineno, conditional, !s.value("into", false));
        } else if (type == "PLpgSQL_stmt_perform") {
            add_sql(query_of(s.value("expr", Json())), lineno, conditional, false);  // PERFORM read as SELECT
        } else if (type == "PLpgSQL_stmt_call") {
            add_sql(query_of(s.value("expr", Json())), lineno, conditional, true);
        } else if (type == "PLpgSQL_stmt_dynexecute") {
            execute(query_of(s.value("query", Json())), lineno, conditional);
        } else if (type == "PLpgSQL_stmt_dynfors") {
            dynamic(query_of(s.value("query", Json())), lineno, conditional);
        } else if ((type == "PLpgSQL_stmt_return_query" || type == "PLpgSQL_stmt_open") &&
                   s.contains("dynquery")) {
            dynamic(query_of(s.at("dynquery")), lineno, conditional);
        } else if (type == "PLpgSQL_stmt_commit" || type == "PLpgSQL_stmt_rollback") {
            ++m_segment;
        }
        // Inside IF, CASE and loops a statement may not run; in a block with an
        // exception handler it may fail and be rolled back (the other guard).
        bool inner = conditional || type != "PLpgSQL_stmt_block" || s.contains("exceptions");
        for (const auto& [key, value] : s.items()) {
            if (value.is_array() || value.is_object()) visit(value, inner || key == "exceptions");
        }
    }

    void add_sql(const std::string& sql, int lineno, bool conditional, bool verbatim) {
        if (sql.empty()) return;
        BodyText::Located at = m_body.locate(sql, lineno);
        add_parsed(sql, at.offset, conditional, verbatim && at.exact, sql);
    }

    void add_parsed(const std::string& sql, std::size_t base, bool conditional, bool exact,
                    const std::string& as_written) {
        auto parsed = parse_at(sql, base);
        if (!parsed) {
            m_out.dynamic.push_back(
                DynamicSql{Span{base, base + as_written.size()}, as_written, conditional});
            return;
        }
        for (auto& rs : *parsed) {
            rs.conditional = conditional;
            rs.exact_span = exact;
            rs.segment = m_segment;
            m_out.statements.push_back(std::move(rs));
        }
    }

    // EXECUTE of a string literal runs SQL pgsafe can read; anything else is dynamic.
    void execute(const std::string& expression, int lineno, bool conditional) {
        if (expression.empty()) return;
        auto literal = string_literal(expression);
        if (!literal) {
            dynamic(expression, lineno, conditional);
            return;
        }
        BodyText::Located at = m_body.locate(expression, lineno);
        add_parsed(literal->value, at.offset + literal->content_offset, conditional,
                   at.exact && literal->exact, expression);
    }

    void dynamic(const std::string& expression, int lineno, bool conditional) {
        BodyText::Located at = m_body.locate(expression, lineno);
        m_out.dynamic.push_back(
            DynamicSql{Span{at.offset, at.offset + expression.size()}, expression, conditional});
    }

    const BodyText& m_body;
    Routine& m_out;
    std::size_t m_segment = 0;
};

// Comments inside a dollar-quoted body, for ignore comments (the file's
// scanner saw the body as one string).
void body_comments(std::string_view text, Span body, std::vector<Comment>& comments) {
    std::string owned(text.substr(body.begin, body.end - body.begin));
    if (owned.find("--") == std::string::npos && owned.find("/*") == std::string::npos) return;
    PgQueryScanResult scan = pg_query_scan(owned.c_str());
    if (scan.error == nullptr) {
        PgQuery__ScanResult* result = pg_query__scan_result__unpack(
            nullptr, scan.pbuf.len, reinterpret_cast<const uint8_t*>(scan.pbuf.data));
        if (result != nullptr) {
            for (std::size_t i = 0; i < result->n_tokens; ++i) {
                const auto* t = result->tokens[i];
                bool line = t->token == PG_QUERY__TOKEN__SQL_COMMENT;
                bool block = t->token == PG_QUERY__TOKEN__C_COMMENT;
                if (!line && !block) continue;
                std::size_t begin = body.begin + static_cast<std::size_t>(t->start);
                std::size_t end = body.begin + static_cast<std::size_t>(t->end);
                std::string inner(text.substr(begin + 2, end - begin - 2 - (block ? 2 : 0)));
                comments.push_back(Comment{Span{begin, end}, std::move(inner), block});
            }
            pg_query__scan_result__free_unpacked(result, nullptr);
        }
    }
    pg_query_free_scan_result(scan);
}

// Compiles the statement with libpg_query's PL/pgSQL parser and collects its SQL.
void read_body(std::string_view text, Span statement, const Literal& literal, Routine& out) {
    std::string source(text.substr(statement.begin, statement.end - statement.begin));
    PgQueryPlpgsqlParseResult parsed = pg_query_parse_plpgsql(source.c_str());
    if (parsed.error != nullptr) {
        out.error = parsed.error->message;
    } else {
        Json functions =
            Json::parse(parsed.plpgsql_funcs != nullptr ? parsed.plpgsql_funcs : "", nullptr, false);
        if (functions.is_array() && functions.size() == 1) {
            const Json& function = functions[0].value("PLpgSQL_function", Json::object());
            BodyText body(text, literal.content, literal.quote);
            Walker walker(body, out);
            walker.visit(function.value("action", Json::object()), false);
            out.read = true;
        } else {
            out.error = "libpg_query returned no PL/pgSQL function";
        }
    }
    pg_query_free_plpgsql_parse_result(parsed);
}

}  // namespace

std::vector<RelationName> called_functions(const Node* stmt) {
    if (stmt == nullptr) return {};
    if (stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT &&
        stmt->node_case != PG_QUERY__NODE__NODE_CALL_STMT)
        return {};
    return calls_in(stmt);
}

std::optional<Routine> read_routine(const Node* stmt, std::string_view text, std::size_t base, Span span,
                                    std::size_t index, std::vector<Comment>& comments) {
    Routine out;
    out.statement = index;
    std::optional<std::size_t> literal_at;
    if (stmt->node_case == PG_QUERY__NODE__NODE_DO_STMT) {
        const auto* s = stmt->do_stmt;
        out.kind = RoutineKind::DoBlock;
        out.language = "plpgsql";
        if (const auto* language = find_option(s->args, s->n_args, "language"))
            out.language = lower(string_value(language->arg));
        if (const auto* as = find_option(s->args, s->n_args, "as"); as != nullptr && as->location >= 0)
            literal_at = base + static_cast<std::size_t>(as->location);
    } else if (stmt->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT) {
        const auto* s = stmt->create_function_stmt;
        out.kind = s->is_procedure ? RoutineKind::Procedure : RoutineKind::Function;
        out.name = relation_from_names(string_list(s->funcname, s->n_funcname));
        if (const auto* language = find_option(s->options, s->n_options, "language"))
            out.language = lower(string_value(language->arg));
        if (out.language != "plpgsql") return std::nullopt;
        // The DefElem's location is the AS keyword's; the literal follows it.
        if (const auto* as = find_option(s->options, s->n_options, "as"); as != nullptr && as->location >= 0)
            literal_at = skip_blank(text, base + static_cast<std::size_t>(as->location) + 2);
    } else {
        return std::nullopt;
    }
    std::optional<Literal> literal;
    if (literal_at && *literal_at < span.end) literal = read_literal(text, *literal_at);
    if (literal && literal->token.end > span.end) literal.reset();
    if (!literal) {
        out.body = span;
        if (out.language == "plpgsql") out.error = "pgsafe could not find the body's text";
        return out;
    }
    out.body = literal->content;
    if (out.language != "plpgsql") return out;
    read_body(text, span, *literal, out);
    if (out.read && literal->quote == Quote::Dollar) body_comments(text, literal->content, comments);
    return out;
}

}  // namespace detail
}  // namespace pgsafe::sql
