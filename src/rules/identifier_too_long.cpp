// identifier-too-long: a table, column, index or constraint name longer than
// 63 bytes (NAMEDATALEN - 1). PostgreSQL truncates it with only a NOTICE, so
// the object gets a different name than the one written, and names that share
// their first 63 bytes collide. The parser has already truncated the names in
// the IR, so the names as written are read back from the statement's text.

#include "catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace pgsafe::rules {
namespace {

constexpr size_t k_max_identifier = 63;  // NAMEDATALEN - 1

struct Created {
    const char* what;  // "table", "column", …
    std::string name;  // as the parser left it: truncated
};

struct Identifier {
    std::string name;  // unquoted ones down-cased, quoted ones with "" undone
    sql::Span span;
};

bool ident_start(unsigned char c) {
    return std::isalpha(c) || c == '_' || c >= 0x80;
}
bool ident_char(unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

// Skips a '…' literal (E'…' honours backslash escapes) starting at the quote.
size_t skip_string(std::string_view s, size_t i, bool backslash) {
    for (++i; i < s.size(); ++i) {
        if (backslash && s[i] == '\\') {
            ++i;
        } else if (s[i] == '\'') {
            if (i + 1 < s.size() && s[i + 1] == '\'') {
                ++i;
            } else {
                return i + 1;
            }
        }
    }
    return s.size();
}

// Skips $tag$…$tag$ starting at the first '$'; returns i unchanged when it is not a dollar quote.
size_t skip_dollar(std::string_view s, size_t i) {
    size_t j = i + 1;
    while (j < s.size() && ident_char(static_cast<unsigned char>(s[j])) && s[j] != '$') ++j;
    if (j >= s.size() || s[j] != '$') return i;
    std::string_view tag = s.substr(i, j - i + 1);
    size_t end = s.find(tag, j + 1);
    return end == std::string_view::npos ? s.size() : end + tag.size();
}

// Every identifier longer than 63 bytes in a statement's text, skipping
// literals and comments.
std::vector<Identifier> long_identifiers(std::string_view s, size_t base) {
    std::vector<Identifier> out;
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (s.compare(i, 2, "--") == 0) {
            size_t end = s.find('\n', i);
            i = end == std::string_view::npos ? s.size() : end;
        } else if (s.compare(i, 2, "/*") == 0) {
            size_t end = s.find("*/", i + 2);
            i = end == std::string_view::npos ? s.size() : end + 2;
        } else if (c == '\'') {
            i = skip_string(s, i, i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e'));
        } else if (c == '$') {
            size_t end = skip_dollar(s, i);
            i = end == i ? i + 1 : end;
        } else if (c == '"') {
            Identifier id;
            size_t j = i + 1;
            for (; j < s.size(); ++j) {
                if (s[j] != '"') {
                    id.name += s[j];
                } else if (j + 1 < s.size() && s[j + 1] == '"') {
                    id.name += '"';
                    ++j;
                } else {
                    break;
                }
            }
            id.span = sql::Span{base + i, base + std::min(j + 1, s.size())};
            if (id.name.size() > k_max_identifier) out.push_back(std::move(id));
            i = j + 1;
        } else if (ident_start(c)) {
            size_t j = i;
            while (j < s.size() && ident_char(static_cast<unsigned char>(s[j]))) ++j;
            Identifier id;
            for (size_t k = i; k < j; ++k)
                id.name += static_cast<char>(
                    std::tolower(static_cast<unsigned char>(s[k])));  // ASCII only, as PostgreSQL
            id.span = sql::Span{base + i, base + j};
            if (id.name.size() > k_max_identifier) out.push_back(std::move(id));
            i = j;
        } else {
            ++i;
        }
    }
    return out;
}

// PostgreSQL's truncate_identifier: at most 63 bytes, cut on a UTF-8 character boundary.
std::string truncated(const std::string& name) {
    size_t end = k_max_identifier;
    while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
    return name.substr(0, end);
}

const char* rename_what(sql::ObjectKind object) {
    switch (object) {
        case sql::ObjectKind::Table: return "new table name";
        case sql::ObjectKind::Column: return "new column name";
        case sql::ObjectKind::Index: return "new index name";
        case sql::ObjectKind::Constraint: return "new constraint name";
        case sql::ObjectKind::View: return "new view name";
        default: return "new name";
    }
}

void add_constraints(const std::vector<sql::Constraint>& constraints, std::vector<Created>& out) {
    for (const auto& c : constraints) {
        if (!c.name.empty()) out.push_back({"constraint", c.name});
    }
}

// The names a statement gives to new objects, as parsed (already truncated).
std::vector<Created> created_names(const sql::Statement& statement) {
    std::vector<Created> out;
    if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        out.push_back({"table", create->table.name});
        for (const auto& column : create->columns) {
            out.push_back({"column", column.name});
            add_constraints(column.constraints, out);
        }
        add_constraints(create->constraints, out);
    } else if (const auto* index = std::get_if<sql::CreateIndex>(&statement.detail)) {
        if (!index->name.empty()) out.push_back({"index", index->name});
    } else if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        for (const auto& action : alter->actions) {
            if (action.kind == sql::AlterKind::AddColumn && action.column_def) {
                out.push_back({"column", action.column_def->name});
                add_constraints(action.column_def->constraints, out);
            } else if (action.kind == sql::AlterKind::AddConstraint && action.constraint) {
                add_constraints({*action.constraint}, out);
            }
        }
    } else if (const auto* rename = std::get_if<sql::Rename>(&statement.detail)) {
        out.push_back({rename_what(rename->object), rename->new_name});
    }
    return out;
}

void check(const Context& ctx, Emitter& emit) {
    std::vector<Created> created = created_names(ctx.statement());
    // Only a name the parser cut to (nearly) 63 bytes can have been longer.
    created.erase(std::remove_if(created.begin(), created.end(),
                                 [](const Created& c) { return c.name.size() + 3 < k_max_identifier; }),
                  created.end());
    if (created.empty()) return;
    const sql::Span span = ctx.statement().span;
    std::vector<std::string> reported;
    for (const auto& id : long_identifiers(ctx.text(span), span.begin)) {
        const std::string cut = truncated(id.name);
        auto it =
            std::find_if(created.begin(), created.end(), [&](const Created& c) { return c.name == cut; });
        if (it == created.end() || std::find(reported.begin(), reported.end(), id.name) != reported.end())
            continue;
        reported.push_back(id.name);
        emit.report(
            {id.span,
             fmt::format("{} \"{}\" is {} bytes: PostgreSQL silently truncates names to {} bytes and "
                         "stores it as \"{}\"",
                         it->what, id.name, id.name.size(), k_max_identifier, cut),
             fmt::format("Use a name of at most {} bytes, so the name in the database is the one in the "
                         "code.",
                         k_max_identifier),
             std::nullopt, std::nullopt, std::nullopt});
    }
}

}  // namespace

Rule identifier_too_long() {
    return Rule{RuleInfo{"identifier-too-long",
                         "A name longer than 63 bytes, which PostgreSQL silently truncates", RuleGroup::Style,
                         Severity::Warning, true, "none", "a name of at most 63 bytes (NAMEDATALEN - 1)"},
                check};
}

}  // namespace pgsafe::rules
