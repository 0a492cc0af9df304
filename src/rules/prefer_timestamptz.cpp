// prefer-timestamptz: timestamp (without time zone) columns. They store a
// wall-clock reading with no zone, so the instant they mean depends on who
// wrote them; timestamptz stores the instant.

#include "catalog.hpp"
#include "typed_columns.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    for_each_typed_column(ctx.statement(), [&](const TypedColumn& column) {
        if (!is_builtin_type(column.type, "timestamp")) return;
        emit.report(
            {column.span,
             fmt::format("column \"{}\" of {} is timestamp without time zone{}: it stores a wall-clock "
                         "reading with no zone, so the same instant written from sessions in different "
                         "time zones (or across a DST change) is stored differently",
                         column.name, ctx.describe(column.table), column.type.array ? " (array)" : ""),
             "Use timestamptz: it stores the instant and shows it in each session's TimeZone.", column.table,
             fmt::format("\"{}\" timestamptz{}", column.name, column.type.array ? "[]" : ""), std::nullopt});
    });
}

}  // namespace

Rule prefer_timestamptz() {
    return Rule{RuleInfo{"prefer-timestamptz", "timestamp without time zone columns", RuleGroup::Style,
                         Severity::Info, true, "none", "timestamptz (timestamp with time zone)"},
                check};
}

}  // namespace pgsafe::rules
