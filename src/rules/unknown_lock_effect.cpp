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

// Why a DO block's body went unread: another language, or PL/pgSQL pgsafe could not parse.
std::string unread_body(const Context& ctx) {
    for (const sql::Routine* routine : ctx.current().runs) {
        if (routine->read || routine->kind != sql::RoutineKind::DoBlock) continue;
        if (routine->language != "plpgsql")
            return fmt::format("pgsafe reads PL/pgSQL only, and this DO block is {}", routine->language);
        return fmt::format("pgsafe could not read this DO block's PL/pgSQL ({})", routine->error);
    }
    return {};
}

void check(const Context& ctx, Emitter& emit) {
    if (!ctx.current().effects.unknown) return;
    const sql::Statement& statement = ctx.statement();
    std::string what = opening(statement, ctx.text(statement.span));
    std::string unread = unread_body(ctx);
    emit.report(
        {statement.span,
         unread.empty()
             ? fmt::format(
                   "pgsafe has no lock model for {}: it cannot tell which tables this statement locks, "
                   "in which mode, or whether it scans them",
                   what.empty() ? statement.kind : what)
             : fmt::format("{}: it cannot tell which tables the block locks, in which mode, or whether it "
                           "scans them",
                           unread),
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
