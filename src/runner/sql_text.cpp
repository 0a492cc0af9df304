// Quoting for the SQL the runner composes: tracking-table writes, timeouts,
// batch bounds. Never applied to a migration's own SQL, which runs as planned
// (split_transaction_modes only cuts it where pgsafe's own SQL must go).

#include "sql_text.hpp"

#include "pgsafe/sql/identifier.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>

namespace pgsafe::runner {

std::string literal(std::string_view text) {
    // E'…' reads the same whatever standard_conforming_strings is, which a
    // migration may have turned off on the session the runner records with.
    const bool escaped = text.find('\\') != std::string_view::npos;
    std::string out = escaped ? "E'" : "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') out += c;
        out += c;
    }
    out += '\'';
    return out;
}

std::string literal_or_null(const std::optional<std::string>& text) {
    return text ? literal(*text) : "NULL";
}

std::string ident(std::string_view name) {
    return sql::quoted_identifier(name);
}

std::string qualified(const sql::RelationName& name) {
    return name.schema.empty() ? ident(name.name) : ident(name.schema) + "." + ident(name.name);
}

std::string duration_ms(long ms) {
    return literal(fmt::format("{}ms", ms));
}

std::pair<std::string, std::string> split_transaction_modes(const std::string& sql) {
    static const char* const k_modes[] = {"transaction", "transaction snapshot", "transaction_isolation",
                                          "transaction_read_only", "transaction_deferrable"};
    // Most steps never mention it: those are not parsed again.
    static const std::string k_word = "transaction";
    auto mentions = std::search(sql.begin(), sql.end(), k_word.begin(), k_word.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
    });
    if (mentions == sql.end()) return {"", sql};
    sql::ParsedFile parsed = sql::parse_sql(sql, {sql::KeepTree::No});
    if (!parsed.ok()) return {"", sql};
    std::size_t end = 0;
    for (const auto& statement : parsed.statements) {
        const auto* set = std::get_if<sql::VariableSet>(&statement.detail);
        if (set == nullptr || set->reset ||
            std::find(std::begin(k_modes), std::end(k_modes), set->name) == std::end(k_modes))
            break;
        end = statement.span.end;
    }
    if (end == 0) return {"", sql};
    return {sql.substr(0, end) + ";", sql.substr(end)};
}

}  // namespace pgsafe::runner
