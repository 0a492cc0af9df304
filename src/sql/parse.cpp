// parse_sql: the file through libpg_query in one call (in regions of about
// 1 MiB for large files); where a statement is broken, split with the scanner
// and parse piece by piece so every broken statement is reported and the
// rest still reach the rules.

#include "pgsafe/sql/parse.hpp"

#include "convert.hpp"
#include "parse_tree.hpp"
#include "plpgsql_read.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::sql {
namespace {

// Offset of the first byte that is not valid UTF-8 (or is NUL), if any.
std::optional<size_t> invalid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c == 0) return i;
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len = 0;
        unsigned min = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            min = 0x10000;
        } else
            return i;
        if (i + len > n) return i;
        unsigned cp = c & (0xFF >> (len + 1));
        for (size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += len;
    }
    return std::nullopt;
}

// PostgreSQL's message for a byte the server would reject.
std::string invalid_byte_message(std::string_view text, size_t offset) {
    std::string bytes;
    for (size_t k = offset; k < std::min(text.size(), offset + 2); ++k) {
        bytes += fmt::format("{}0x{:02x}", k == offset ? "" : " ", static_cast<unsigned char>(text[k]));
    }
    return fmt::format("invalid byte sequence for encoding \"UTF8\": {}", bytes);
}

// Byte offset of the 1-based character position `cursor` within text (from `from`).
size_t char_to_byte(std::string_view text, size_t from, int cursor) {
    size_t offset = from;
    for (int chars = 1; chars < cursor && offset < text.size(); ++chars) {
        ++offset;
        while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
    }
    return std::min(offset, text.size());
}

struct Token {
    size_t begin;
    size_t end;
    bool comment;
};

struct Piece {
    size_t begin;
    size_t end;
};

// The tokens of text[region] (file offsets), comments included, and the
// comments themselves appended to `comments`; no tokens when the scanner fails.
std::vector<Token> scan_tokens(const std::string& text, Piece region, std::vector<Comment>& comments) {
    std::vector<Token> tokens;
    std::string owned = text.substr(region.begin, region.end - region.begin);
    PgQueryScanResult scan = pg_query_scan(owned.c_str());
    if (scan.error == nullptr) {
        PgQuery__ScanResult* result = pg_query__scan_result__unpack(
            nullptr, scan.pbuf.len, reinterpret_cast<const uint8_t*>(scan.pbuf.data));
        if (result != nullptr) {
            tokens.reserve(result->n_tokens);
            for (size_t i = 0; i < result->n_tokens; ++i) {
                const auto* t = result->tokens[i];
                bool line = t->token == PG_QUERY__TOKEN__SQL_COMMENT;
                bool block = t->token == PG_QUERY__TOKEN__C_COMMENT;
                size_t begin = region.begin + static_cast<size_t>(t->start);
                size_t end = region.begin + static_cast<size_t>(t->end);
                tokens.push_back(Token{begin, end, line || block});
                if (line || block) {
                    std::string body = text.substr(begin + 2, end - begin - 2 - (block ? 2 : 0));
                    comments.push_back(Comment{Span{begin, end}, std::move(body), block});
                }
            }
            pg_query__scan_result__free_unpacked(result, nullptr);
        }
    }
    pg_query_free_scan_result(scan);
    return tokens;
}

// The statement's span from its first token to its last, without comments.
Span trim_span(const std::vector<Token>& tokens, std::string_view text, size_t begin, size_t end) {
    auto first = std::lower_bound(tokens.begin(), tokens.end(), begin,
                                  [](const Token& t, size_t b) { return t.begin < b; });
    auto last =
        std::lower_bound(first, tokens.end(), end, [](const Token& t, size_t e) { return t.begin < e; });
    while (first != last && first->comment) ++first;
    while (last != first && std::prev(last)->comment) --last;
    if (first != last && std::prev(last)->end <= end) return Span{first->begin, std::prev(last)->end};
    // No tokens (the scanner failed): trim whitespace instead.
    auto is_space = [&](size_t i) { return std::isspace(static_cast<unsigned char>(text[i])) != 0; };
    while (begin < end && is_space(begin)) ++begin;
    while (end > begin && is_space(end - 1)) --end;
    return Span{begin, end};
}

// Statement boundaries in text[region] from the scanner, which survives syntax
// errors. nullopt (and `error` set) when the scanner itself fails.
std::optional<std::vector<Piece>> split_statements(const std::string& text, Piece region,
                                                   SyntaxError& error) {
    std::string owned = text.substr(region.begin, region.end - region.begin);
    PgQuerySplitResult split = pg_query_split_with_scanner(owned.c_str());
    std::optional<std::vector<Piece>> pieces;
    if (split.error != nullptr) {
        error.offset = split.error->cursorpos > 0 ? char_to_byte(text, region.begin, split.error->cursorpos)
                                                  : region.begin;
        error.message = split.error->message;
    } else {
        pieces.emplace();
        for (int i = 0; i < split.n_stmts; ++i) {
            size_t begin = region.begin + static_cast<size_t>(split.stmts[i]->stmt_location);
            size_t len = static_cast<size_t>(split.stmts[i]->stmt_len);
            pieces->push_back(Piece{begin, len == 0 ? region.end : begin + len});
        }
    }
    pg_query_free_split_result(split);
    return pieces;
}

// Large files go to libpg_query in regions of about this size, cut at
// statement boundaries, so memory stays bounded and caches stay warm. A
// region's parse needs ~40 times its size (1 MiB regions peaked at 42 MiB);
// below 64 KiB nothing more is saved and calls start to cost.
constexpr size_t k_region_bytes = 64 << 10;

class Parser {
public:
    Parser(ParsedFile& file, ParseOptions options)
        : m_file(file), m_options(options), m_tree(std::make_shared<ParseTree>()) {}

    // Parses text[region]: one libpg_query call, or piece by piece when a
    // statement in it is broken, so every error is located.
    void parse_region(Piece region) {
        m_tokens = scan_tokens(m_file.text, region, m_file.comments);
        std::optional<SyntaxError> region_error = parse_piece(region);
        if (!region_error) return;
        SyntaxError scan_error;
        auto pieces = split_statements(m_file.text, region, scan_error);
        if (!pieces) {
            m_file.errors.push_back(scan_error);
            return;
        }
        // The scanner split drops a trailing statement with unbalanced
        // parentheses; parse whatever follows the last piece as one more.
        size_t covered = pieces->empty() ? region.begin : pieces->back().end;
        Span rest = trim_span(m_tokens, m_file.text, covered, region.end);
        if (rest.begin < rest.end) pieces->push_back(Piece{covered, region.end});
        size_t errors_before = m_file.errors.size();
        size_t statements_before = m_file.statements.size();
        size_t routines_before = m_file.routines.size();
        size_t calls_before = m_file.calls.size();
        size_t comments_before = m_file.comments.size();
        for (const Piece& piece : *pieces) {
            if (auto error = parse_piece(piece)) m_file.errors.push_back(*error);
        }
        // Every piece parsed alone though the region did not: trust the region's error.
        if (m_file.errors.size() == errors_before) {
            m_file.errors.push_back(*region_error);
            m_file.statements.resize(statements_before);
            m_file.routines.resize(routines_before);
            m_file.calls.resize(calls_before);
            m_file.comments.resize(comments_before);
        }
    }

    void finish() {
        if (m_options.keep_tree == KeepTree::Yes) m_file.tree = m_tree;
        if (m_body_comments) {
            std::stable_sort(m_file.comments.begin(), m_file.comments.end(),
                             [](const Comment& a, const Comment& b) { return a.span.begin < b.span.begin; });
        }
    }

private:
    // Parses text[piece] and appends its statements; returns its error instead when it has one.
    std::optional<SyntaxError> parse_piece(Piece piece) {
        const std::string& text = m_file.text;
        std::string owned = text.substr(piece.begin, piece.end - piece.begin);
        PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(owned.c_str());
        std::optional<SyntaxError> error;
        if (parsed.error != nullptr) {
            size_t offset = parsed.error->cursorpos > 0
                                ? char_to_byte(text, piece.begin, parsed.error->cursorpos)
                                : trim_span(m_tokens, text, piece.begin, piece.end).begin;
            error = SyntaxError{offset, parsed.error->message};
        } else {
            add_statements(parsed.parse_tree, piece);
        }
        pg_query_free_protobuf_parse_result(parsed);
        return error;
    }

    void add_statements(const PgQueryProtobuf& pbuf, Piece piece) {
        PgQuery__ParseResult* result =
            pg_query__parse_result__unpack(nullptr, pbuf.len, reinterpret_cast<const uint8_t*>(pbuf.data));
        if (result == nullptr) return;
        size_t result_index = m_tree->add_result(result);
        for (size_t i = 0; i < result->n_stmts; ++i) {
            const PgQuery__RawStmt* raw = result->stmts[i];
            size_t begin = piece.begin + static_cast<size_t>(raw->stmt_location);
            size_t end = raw->stmt_len == 0 ? piece.end : begin + static_cast<size_t>(raw->stmt_len);
            Statement stmt;
            stmt.span = trim_span(m_tokens, m_file.text, begin, std::min(end, piece.end));
            stmt.kind = detail::node_type_name(raw->stmt);
            stmt.detail = detail::convert_statement(raw->stmt, detail::Ctx{piece.begin, stmt.span});
            stmt.tree_index = m_tree->add_statement(result_index, i);
            stmt.outside_transaction_block = detail::outside_transaction_block(raw->stmt);
            stmt.copy_from_stdin = detail::copy_from_stdin(raw->stmt);
            read_plpgsql(raw->stmt, piece.begin, stmt.span);
            m_file.statements.push_back(std::move(stmt));
        }
        if (m_options.keep_tree == KeepTree::No) m_tree->release_last_result();
    }

    // A DO block or PL/pgSQL function becomes a Routine; a SELECT or CALL of
    // such a function created earlier in the file, a RoutineCall. Done while
    // the statement's tree is alive (lint drops it right after).
    void read_plpgsql(const detail::Node* node, size_t base, Span span) {
        const size_t index = m_file.statements.size();
        if (node->node_case == PG_QUERY__NODE__NODE_DO_STMT ||
            node->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT) {
            size_t comments = m_file.comments.size();
            auto routine = detail::read_routine(node, m_file.text, base, span, index, m_file.comments);
            if (routine) {
                if (routine->kind != RoutineKind::DoBlock) m_functions = true;
                m_file.routines.push_back(std::move(*routine));
            }
            m_body_comments = m_body_comments || m_file.comments.size() != comments;
            return;
        }
        if (!m_functions) return;
        for (auto& name : detail::called_functions(node)) {
            bool defined = std::any_of(m_file.routines.begin(), m_file.routines.end(), [&](const Routine& r) {
                return r.kind != RoutineKind::DoBlock && r.name.may_be(name);
            });
            if (defined) m_file.calls.push_back(RoutineCall{index, std::move(name)});
        }
    }

    ParsedFile& m_file;
    ParseOptions m_options;
    bool m_functions = false;      // a PL/pgSQL function or procedure was created: look for calls
    bool m_body_comments = false;  // comments from bodies were appended out of order
    std::shared_ptr<ParseTree> m_tree;
    std::vector<Token> m_tokens;  // of the region being parsed
};

// Regions of about k_region_bytes cut at statement boundaries; the whole text
// when it is small or the scanner cannot split it.
// `statements` is how many the scanner found (0 when it did not split), so the
// statement list is allocated once.
std::vector<Piece> regions(const std::string& text, std::size_t& statements) {
    statements = 0;
    if (text.size() <= k_region_bytes) return {Piece{0, text.size()}};
    SyntaxError ignored;
    auto pieces = split_statements(text, Piece{0, text.size()}, ignored);
    if (!pieces || pieces->empty()) return {Piece{0, text.size()}};
    statements = pieces->size();
    std::vector<Piece> out;
    Piece current{0, 0};
    for (const Piece& p : *pieces) {
        if (p.begin - current.begin >= k_region_bytes) {
            out.push_back(Piece{current.begin, p.begin});
            current.begin = p.begin;
        }
    }
    out.push_back(Piece{current.begin, text.size()});
    return out;
}

}  // namespace

ParsedFile parse_sql(std::string text, ParseOptions options) {
    ParsedFile file;
    file.text = std::move(text);
    if (auto bad = invalid_utf8(file.text)) {
        file.errors.push_back(SyntaxError{*bad, invalid_byte_message(file.text, *bad)});
        return file;
    }
    Parser parser(file, options);
    std::size_t statements = 0;
    std::vector<Piece> pieces = regions(file.text, statements);
    file.statements.reserve(statements);
    for (const Piece& region : pieces) parser.parse_region(region);
    parser.finish();
    return file;
}

}  // namespace pgsafe::sql
