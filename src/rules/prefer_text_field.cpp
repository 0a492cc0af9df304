// prefer-text-field: varchar(n) columns. The limit is a constraint hidden in
// the type: changing it later takes ACCESS EXCLUSIVE (and lowering it rewrites
// the table), where a CHECK on a text column can be swapped without blocking.

#include "catalog.hpp"
#include "typed_columns.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

void check(const Context& ctx, Emitter& emit) {
    for_each_typed_column(ctx.statement(), [&](const TypedColumn& column) {
        if (!is_builtin_type(column.type, "varchar") || column.type.modifiers.empty()) return;
        const auto limit = column.type.modifiers.front();
        emit.report(
            {column.span,
             fmt::format("column \"{}\" of {} is {}: changing the limit later takes ACCESS EXCLUSIVE on "
                         "the table, and lowering it rewrites the table",
                         column.name, ctx.describe(column.table), column.type.display()),
             "Use text with a CHECK on its length; a CHECK can be replaced later with NOT VALID and "
             "VALIDATE, which do not block reads or writes.",
             column.table,
             fmt::format("\"{}\" text{} CHECK (char_length(\"{}\") <= {})", column.name,
                         column.type.array ? "[]" : "", column.name, limit),
             std::nullopt});
    });
}

}  // namespace

Rule prefer_text_field() {
    return Rule{
        RuleInfo{"prefer-text-field", "varchar(n) columns: the length limit is hard to change later",
                 RuleGroup::Style, Severity::Info, true,
                 "none now; changing the limit later takes ACCESS EXCLUSIVE, lowering it rewrites the table",
                 "text with a CHECK (char_length(col) <= n) constraint"},
        check};
}

}  // namespace pgsafe::rules
