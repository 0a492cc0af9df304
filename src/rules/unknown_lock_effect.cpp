// unknown-lock-effect: a statement the lock model does not know (or, like a
// DROP … CASCADE of a type, cannot bound) gets a warning, so a statement that
// lint passes in silence is one pgsafe checked, never one it could not read.

#include "catalog.hpp"

#include <fmt/format.h>

#include <cctype>
#include <string>

namespace pgsafe::rules {
namespace {

// The statement's first words as written ("DROP TYPE", "CALL refresh"), with
// "… CASCADE" when that is what makes a drop unbounded.
std::string opening(const sql::Statement& statement, std::string_view text) {
    std::string out;
    size_t i = 0;
    for (size_t words = 0; words < 2 && i < text.size(); ++words) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i >= text.size() || !std::isalpha(static_cast<unsigned char>(text[i]))) break;
        if (!out.empty()) out += ' ';
        while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
            out += text[i++];
    }
    const auto* drop = std::get_if<sql::Drop>(&statement.detail);
    if (drop != nullptr && drop->cascade) out += " … CASCADE";
    if (statement.kind == "AlterObjectSchemaStmt") out += " … SET SCHEMA";
    return out;
}

void check(const Context& ctx, Emitter& emit) {
    if (!ctx.current().effects.unknown) return;
    const sql::Statement& statement = ctx.statement();
    std::string what = opening(statement, ctx.text(statement.span));
    emit.report(
        {statement.span,
         fmt::format("pgsafe has no lock model for {}: it cannot tell which tables this statement locks, in "
                     "which mode, or whether it scans them",
                     what.empty() ? statement.kind : what),
         "Check the statement's page in the PostgreSQL documentation (or run it against a copy of the "
         "database and look at pg_locks); once you know it is safe, say so with -- pgsafe:ignore "
         "unknown-lock-effect <reason>.",
         std::nullopt, std::nullopt, std::nullopt});
}

}  // namespace

Rule unknown_lock_effect() {
    return Rule{
        RuleInfo{"unknown-lock-effect", "A statement whose locks pgsafe cannot tell", RuleGroup::Availability,
                 Severity::Warning, true, "unknown: pgsafe has no lock model for the statement",
                 "check the PostgreSQL documentation for its lock, then ignore the finding with a reason"},
        check};
}

}  // namespace pgsafe::rules
