// prefer-bigint-over-int: integer and smallint columns (and serial,
// smallserial) in new or changed columns. Ids and counters run out at 2^31 - 1
// (or 32767), and widening the column later rewrites the table under ACCESS EXCLUSIVE.

#include "catalog.hpp"
#include "typed_columns.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

struct Narrow {
    const char* base;
    const char* shown;
    const char* limit;
    const char* instead;
};

// The 2- and 4-byte integer types as the parser names them, and what to use instead.
constexpr Narrow k_narrow[] = {
    {"int4", "integer", "2147483647 (2^31 - 1)", "bigint"},
    {"int2", "smallint", "32767", "bigint"},
    {"serial", "serial", "2147483647 (2^31 - 1)", "bigserial"},
    {"serial4", "serial4", "2147483647 (2^31 - 1)", "bigserial"},
    {"smallserial", "smallserial", "32767", "bigserial"},
    {"serial2", "serial2", "32767", "bigserial"},
};

void check(const Context& ctx, Emitter& emit) {
    for_each_typed_column(ctx.statement(), [&](const TypedColumn& column) {
        for (const auto& narrow : k_narrow) {
            if (!is_builtin_type(column.type, narrow.base)) continue;
            std::string shown = std::string(narrow.shown) + (column.type.array ? "[]" : "");
            std::string instead = std::string(narrow.instead) + (column.type.array ? "[]" : "");
            emit.report(
                {column.span,
                 fmt::format("column \"{}\" of {} is {}: its values stop at {}, and widening it later "
                             "rewrites the table under ACCESS EXCLUSIVE",
                             column.name, ctx.describe(column.table), shown, narrow.limit),
                 fmt::format("Use {}{}; the few extra bytes a row cost less than running out.", instead,
                             column.type.array ? "" : " (for ids: bigint GENERATED ALWAYS AS IDENTITY)"),
                 column.table, fmt::format("\"{}\" {}", column.name, instead), std::nullopt});
            return;
        }
    });
}

}  // namespace

Rule prefer_bigint_over_int() {
    return Rule{RuleInfo{"prefer-bigint-over-int",
                         "integer / smallint / serial columns, which run out at 2^31 - 1 (or 32767)",
                         RuleGroup::Style, Severity::Info, true,
                         "none now; widening the column later takes ACCESS EXCLUSIVE and rewrites the table",
                         "bigint, bigserial or bigint GENERATED ALWAYS AS IDENTITY"},
                check};
}

}  // namespace pgsafe::rules
