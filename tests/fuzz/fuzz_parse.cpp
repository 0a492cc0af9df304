// libFuzzer target for the SQL front end: any bytes must parse without a
// crash, and every span and error offset the parser reports must lie inside
// the text and map to a 1-based line and column (reports rely on both).

#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

namespace {

using pgsafe::sql::LineIndex;
using pgsafe::sql::Span;

void require(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

void check_offset(const LineIndex& index, std::size_t size, std::size_t offset) {
    require(offset <= size);
    auto position = index.position(offset);
    require(position.line >= 1 && position.line <= index.line_count());
    require(position.column >= 1 && position.column <= offset + 1);
    (void)index.line_text(position.line);
}

void check_span(const LineIndex& index, std::size_t size, const Span& span) {
    require(span.begin <= span.end);
    require(span.end <= size);
    check_offset(index, size, span.begin);
    check_offset(index, size, span.end);
}

void check_constraint(const LineIndex& index, std::size_t size, const pgsafe::sql::Constraint& constraint) {
    check_span(index, size, constraint.span);
    if (constraint.expr.present) {
        check_span(index, size, constraint.expr.span);
    }
}

void check_column(const LineIndex& index, std::size_t size, const pgsafe::sql::ColumnDef& column) {
    check_span(index, size, column.span);
    if (column.default_value) {
        check_constraint(index, size, *column.default_value);
    }
    for (const auto& constraint : column.constraints) {
        check_constraint(index, size, constraint);
    }
}

// The spans inside a statement's detail: what rules point findings at.
void check_detail(const LineIndex& index, std::size_t size, const pgsafe::sql::Detail& detail) {
    std::visit(
        [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, pgsafe::sql::AlterTable>) {
                for (const auto& action : value.actions) {
                    check_span(index, size, action.span);
                    if (action.column_def) {
                        check_column(index, size, *action.column_def);
                    }
                    if (action.constraint) {
                        check_constraint(index, size, *action.constraint);
                    }
                }
            } else if constexpr (std::is_same_v<T, pgsafe::sql::CreateTable>) {
                for (const auto& column : value.columns) {
                    check_column(index, size, column);
                }
                for (const auto& constraint : value.constraints) {
                    check_constraint(index, size, constraint);
                }
            }
        },
        detail);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = pgsafe::sql::parse_sql(std::string(reinterpret_cast<const char*>(data), size));
    const std::string& text = parsed.text;
    LineIndex index(text);

    for (const auto& error : parsed.errors) {
        check_offset(index, text.size(), error.offset);
    }
    for (const auto& statement : parsed.statements) {
        check_span(index, text.size(), statement.span);
        check_detail(index, text.size(), statement.detail);
    }
    for (const auto& comment : parsed.comments) {
        check_span(index, text.size(), comment.span);
    }
    return 0;
}
