// parse_sql: the whole file through libpg_query in one call; when a statement
// is broken, split the file with the scanner and parse piece by piece so every
// broken statement is reported and the rest still reach the rules.

#include "pgsafe/sql/parse.hpp"

#include "convert.hpp"
#include "parse_tree.hpp"

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
        if (c < 0x80) { ++i; continue; }
        size_t len = 0;
        unsigned min = 0;
        if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; }
        else return i;
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

// Every token of the file, comments included; empty when the scanner fails.
std::vector<Token> scan_tokens(const std::string& text, std::vector<Comment>& comments) {
    std::vector<Token> tokens;
    PgQueryScanResult scan = pg_query_scan(text.c_str());
    if (scan.error == nullptr) {
        PgQuery__ScanResult* result = pg_query__scan_result__unpack(
            nullptr, scan.pbuf.len, reinterpret_cast<const uint8_t*>(scan.pbuf.data));
        if (result != nullptr) {
            tokens.reserve(result->n_tokens);
            for (size_t i = 0; i < result->n_tokens; ++i) {
                const auto* t = result->tokens[i];
                bool line = t->token == PG_QUERY__TOKEN__SQL_COMMENT;
                bool block = t->token == PG_QUERY__TOKEN__C_COMMENT;
                auto begin = static_cast<size_t>(t->start);
                auto end = static_cast<size_t>(t->end);
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
    auto last = std::lower_bound(first, tokens.end(), end,
                                 [](const Token& t, size_t e) { return t.begin < e; });
    while (first != last && first->comment) ++first;
    while (last != first && std::prev(last)->comment) --last;
    if (first != last && std::prev(last)->end <= end) return Span{first->begin, std::prev(last)->end};
    // No tokens (the scanner failed): trim whitespace instead.
    auto is_space = [&](size_t i) { return std::isspace(static_cast<unsigned char>(text[i])) != 0; };
    while (begin < end && is_space(begin)) ++begin;
    while (end > begin && is_space(end - 1)) --end;
    return Span{begin, end};
}

struct Piece {
    size_t begin;
    size_t end;
};

class Parser {
public:
    explicit Parser(ParsedFile& file) : m_file(file), m_tree(std::make_shared<ParseTree>()) {
        m_tokens = scan_tokens(m_file.text, m_file.comments);
    }

    // Parses text[piece] and appends its statements, or its error. Returns false on error.
    bool parse_piece(Piece piece, bool whole) {
        const std::string& text = m_file.text;
        std::string owned;
        const char* input = text.c_str();
        if (!whole) {
            owned = text.substr(piece.begin, piece.end - piece.begin);
            input = owned.c_str();
        }
        PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(input);
        bool ok = parsed.error == nullptr;
        if (!ok) {
            size_t offset = parsed.error->cursorpos > 0
                                ? char_to_byte(text, piece.begin, parsed.error->cursorpos)
                                : trim_span(m_tokens, text, piece.begin, piece.end).begin;
            SyntaxError error{offset, parsed.error->message};
            if (whole) {
                m_whole_error = error;
            } else {
                m_file.errors.push_back(error);
            }
        } else {
            add_statements(parsed.parse_tree, piece);
        }
        pg_query_free_protobuf_parse_result(parsed);
        return ok;
    }

    // The whole file failed but every piece parsed alone: report the whole-file error.
    void finish() {
        if (m_whole_error && m_file.errors.empty()) {
            m_file.errors.push_back(*m_whole_error);
            m_file.statements.clear();
        }
        m_file.tree = m_tree;
    }

    const std::vector<Token>& tokens() const { return m_tokens; }

private:
    void add_statements(const PgQueryProtobuf& pbuf, Piece piece) {
        PgQuery__ParseResult* result = pg_query__parse_result__unpack(
            nullptr, pbuf.len, reinterpret_cast<const uint8_t*>(pbuf.data));
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
            m_file.statements.push_back(std::move(stmt));
        }
    }

    ParsedFile& m_file;
    std::shared_ptr<ParseTree> m_tree;
    std::vector<Token> m_tokens;
    std::optional<SyntaxError> m_whole_error;
};

// Statement boundaries from the scanner, which survives syntax errors.
std::optional<std::vector<Piece>> split_statements(const std::string& text, SyntaxError& error) {
    PgQuerySplitResult split = pg_query_split_with_scanner(text.c_str());
    std::optional<std::vector<Piece>> pieces;
    if (split.error != nullptr) {
        error.offset = split.error->cursorpos > 0 ? char_to_byte(text, 0, split.error->cursorpos) : 0;
        error.message = split.error->message;
    } else {
        pieces.emplace();
        for (int i = 0; i < split.n_stmts; ++i) {
            auto begin = static_cast<size_t>(split.stmts[i]->stmt_location);
            size_t len = static_cast<size_t>(split.stmts[i]->stmt_len);
            pieces->push_back(Piece{begin, len == 0 ? text.size() : begin + len});
        }
    }
    pg_query_free_split_result(split);
    return pieces;
}

}  // namespace

ParsedFile parse_sql(std::string text) {
    ParsedFile file;
    file.text = std::move(text);
    if (auto bad = invalid_utf8(file.text)) {
        file.errors.push_back(SyntaxError{*bad, invalid_byte_message(file.text, *bad)});
        return file;
    }
    Parser parser(file);
    if (!parser.parse_piece(Piece{0, file.text.size()}, true)) {
        SyntaxError scan_error;
        if (auto pieces = split_statements(file.text, scan_error)) {
            // The scanner split drops a trailing statement with unbalanced
            // parentheses; parse whatever follows the last piece as one more.
            size_t covered = pieces->empty() ? 0 : pieces->back().end;
            Span rest = trim_span(parser.tokens(), file.text, covered, file.text.size());
            if (rest.begin < rest.end) pieces->push_back(Piece{covered, file.text.size()});
            for (const Piece& piece : *pieces) parser.parse_piece(piece, false);
        } else {
            file.errors.push_back(scan_error);
        }
    }
    parser.finish();
    return file;
}

}  // namespace pgsafe::sql
