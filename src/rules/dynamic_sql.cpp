// dynamic-sql: an EXECUTE in a DO block or a function the migration calls
// whose SQL is computed when it runs (format(…), concatenation, a variable).
// pgsafe lints the static SQL of PL/pgSQL bodies; this is the part it cannot
// read, named so that silence about a body still means "checked".

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

// The expression as one short line: "format('ALTER TABLE %I …', t)".
std::string shortened(const std::string& expression) {
    std::string out;
    bool space = false;
    for (char c : expression) {
        bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (blank) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    constexpr std::size_t k_max = 80;
    if (out.size() > k_max) {
        std::size_t cut = k_max;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
            --cut;  // not inside a character
        out = out.substr(0, cut) + " …";
    }
    return out;
}

std::string where(const Context& ctx, const sql::Routine& routine) {
    size_t line =
        sql::LineIndex(ctx.file().text).position(ctx.file().statements[routine.statement].span.begin).line;
    if (routine.kind == sql::RoutineKind::DoBlock) return fmt::format("the DO block at line {}", line);
    return fmt::format("{} {} (line {})", sql::routine_kind_name(routine.kind), routine.name.qualified(),
                       line);
}

void check(const Context& ctx, Emitter& emit) {
    for (const sql::Routine* routine : ctx.current().runs) {
        if (!routine->read) continue;
        for (const auto& dynamic : routine->dynamic) {
            emit.report(
                {dynamic.span,
                 fmt::format("EXECUTE {} in {} runs SQL computed when it runs: pgsafe cannot tell which "
                             "tables it locks, in which mode, or whether it scans them",
                             shortened(dynamic.expression), where(ctx, *routine)),
                 "Write the statement as static SQL in the body (PL/pgSQL runs DDL directly) so pgsafe "
                 "checks it; or check what it runs and say so with -- pgsafe:ignore dynamic-sql "
                 "<reason>.",
                 std::nullopt, std::nullopt, sql::LockMode::None});
        }
    }
}

}  // namespace

Rule dynamic_sql() {
    return Rule{RuleInfo{rule_id::k_dynamic_sql, "EXECUTE of SQL computed at run time inside PL/pgSQL",
                         RuleGroup::Availability, Severity::Info, true,
                         "unknown: the SQL exists only when the block runs",
                         "write the statement as static SQL in the body, or check it and ignore the finding "
                         "with a reason"},
                check};
}

}  // namespace pgsafe::rules
