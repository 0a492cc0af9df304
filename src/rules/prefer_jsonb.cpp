// prefer-jsonb: json columns. json keeps the text as written and re-parses it
// on every use, and has no equality or GIN index support; jsonb is what
// almost every application wants.

#include "catalog.hpp"
#include "typed_columns.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    for_each_typed_column(ctx.statement(), [&](const TypedColumn& column) {
        if (!is_builtin_type(column.type, "json")) return;
        emit.report(
            {column.span,
             fmt::format("column \"{}\" of {} is json{}: it is stored as text and re-parsed on every "
                         "access, has no equality operator (no DISTINCT, GROUP BY or UNIQUE) and no GIN "
                         "index support",
                         column.name, ctx.describe(column.table), column.type.array ? "[]" : ""),
             "Use jsonb, unless the exact text, key order or duplicate keys must be kept.", column.table,
             fmt::format("\"{}\" jsonb{}", column.name, column.type.array ? "[]" : ""), std::nullopt});
    });
}

}  // namespace

Rule prefer_jsonb() {
    return Rule{
        RuleInfo{"prefer-jsonb", "json columns", RuleGroup::Style, Severity::Info, true, "none", "jsonb"},
        check};
}

}  // namespace pgsafe::rules
