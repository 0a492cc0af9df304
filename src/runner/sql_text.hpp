#pragma once
// SQL text the runner writes itself: literals and identifiers quoted so that
// PostgreSQL reads them the same whatever standard_conforming_strings is (a
// migration may turn it off), so the statements it runs are exactly the
// ones --dry-run prints.

#include "pgsafe/sql/ir.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pgsafe::runner {

// 'it''s'; E'a\\b' for text with a backslash (the same under either
// setting of standard_conforming_strings)
std::string literal(std::string_view text);
// literal(*text), or NULL
std::string literal_or_null(const std::optional<std::string>& text);
// "Measurements" (always quoted, so case and keywords survive): sql::quoted_identifier
std::string ident(std::string_view name);
// ("dot.schema", "a.b") -> "dot.schema"."a.b"; just "a.b" without a schema
std::string qualified(const sql::RelationName& name);
// '100ms' for SET lock_timeout / statement_timeout; 0 means no limit
std::string duration_ms(long ms);
// A transaction step's SQL cut after its leading SET TRANSACTION statements
// (ISOLATION LEVEL, SNAPSHOT, SET LOCAL transaction_isolation …), which
// PostgreSQL accepts only before the transaction's first query, so they
// must run before pgsafe's own lock check: {those statements, the rest}.
// {"", sql} when the step does not start with one.
std::pair<std::string, std::string> split_transaction_modes(const std::string& sql);

}  // namespace pgsafe::runner
