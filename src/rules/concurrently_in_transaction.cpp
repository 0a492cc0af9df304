// concurrently-in-transaction: CREATE/DROP INDEX CONCURRENTLY, REINDEX …
// CONCURRENTLY, DETACH PARTITION … CONCURRENTLY, VACUUM and a few others
// refuse to run inside a BEGIN … COMMIT block (ERROR 25001): the migration
// fails at that statement, and everything before it in the block rolls back.

#include "catalog.hpp"

#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::rules {
namespace {

// Statements PostgreSQL runs only outside a transaction block that the lock
// model does not mark (they lock no table).
struct KindName {
    const char* kind;
    const char* name;
};
constexpr KindName k_outside_only[] = {
    {"CreatedbStmt", "CREATE DATABASE"},
    {"CreateTableSpaceStmt", "CREATE TABLESPACE"},
    {"DropTableSpaceStmt", "DROP TABLESPACE"},
    {"AlterSystemStmt", "ALTER SYSTEM"},
};

std::string reindex_name(const sql::Reindex& r) {
    if (r.concurrent) return "REINDEX … CONCURRENTLY";
    switch (r.kind) {
        case sql::ReindexKind::Schema: return "REINDEX SCHEMA";
        case sql::ReindexKind::Database: return "REINDEX DATABASE";
        case sql::ReindexKind::System: return "REINDEX SYSTEM";
        default: return "REINDEX";
    }
}

// How the statement is named in the message; empty when it may run in a block.
std::string refused_in_block(const sql::Statement& s, const analysis::Effects& effects) {
    auto it = std::find_if(std::begin(k_outside_only), std::end(k_outside_only),
                           [&](const KindName& k) { return s.kind == k.kind; });
    if (it != std::end(k_outside_only)) return it->name;
    if (const auto* drop = std::get_if<sql::Drop>(&s.detail);
        drop && drop->object == sql::ObjectKind::Database)
        return "DROP DATABASE";
    if (!effects.outside_transaction) return {};
    if (const auto* index = std::get_if<sql::CreateIndex>(&s.detail); index && index->concurrent)
        return "CREATE INDEX CONCURRENTLY";
    if (const auto* drop = std::get_if<sql::Drop>(&s.detail); drop && drop->concurrent)
        return "DROP INDEX CONCURRENTLY";
    if (const auto* reindex = std::get_if<sql::Reindex>(&s.detail)) return reindex_name(*reindex);
    if (std::holds_alternative<sql::AlterTable>(s.detail)) return "DETACH PARTITION … CONCURRENTLY";
    if (std::holds_alternative<sql::Vacuum>(s.detail)) return "VACUUM";
    if (std::holds_alternative<sql::Cluster>(s.detail)) return "CLUSTER without a table";
    return "this statement";
}

// The BEGIN that opened the current statement's block.
size_t block_start(const Context& ctx) {
    size_t i = ctx.index();
    const size_t block = ctx.current().transaction;
    while (i > 0 && ctx.statements()[i - 1].transaction == block) --i;
    return i;
}

// Inside a DO block or a function PostgreSQL refuses it too ("cannot be
// executed from a function", also 25001), in or out of BEGIN … COMMIT.
void report_in_body(const Context& ctx, Emitter& emit, const std::string& name, const sql::Routine& routine,
                    const sql::LineIndex& lines) {
    size_t line = lines.position(ctx.file().statements[routine.statement].span.begin).line;
    const char* kind = sql::routine_kind_name(routine.kind);
    std::string where = routine.kind == sql::RoutineKind::DoBlock
                            ? fmt::format("the DO block at line {}", line)
                            : fmt::format("{} {} (line {})", kind, routine.name.qualified(), line);
    emit.report(
        {ctx.statement().span,
         fmt::format("{} cannot run inside a DO block or a function, and this one is inside {}: "
                     "PostgreSQL rejects it (ERROR 25001) and the migration fails here",
                     name, where),
         fmt::format("Move it out of the {}: run it as a statement of its own, outside any transaction "
                     "block.",
                     kind),
         std::nullopt, std::nullopt, std::nullopt});
}

void check(const Context& ctx, Emitter& emit) {
    const StatementInfo& current = ctx.current();
    if (current.transaction == 0) return;
    std::string name = refused_in_block(ctx.statement(), current.effects);
    if (name.empty()) return;
    sql::LineIndex lines(ctx.file().text);
    if (current.routine != nullptr) {
        report_in_body(ctx, emit, name, *current.routine, lines);
        return;
    }
    size_t begin_line = lines.position(ctx.statements()[block_start(ctx)].statement->span.begin).line;
    emit.report(
        {ctx.statement().span,
         fmt::format("{} cannot run inside a transaction block, and this one is inside the block opened "
                     "at line {}: PostgreSQL rejects it (ERROR 25001) and the migration fails here",
                     name, begin_line),
         "Move it out of the BEGIN … COMMIT block: COMMIT before it, and BEGIN again after it if the "
         "statements that follow need a transaction.",
         std::nullopt, std::nullopt, std::nullopt});
}

}  // namespace

Rule concurrently_in_transaction() {
    return Rule{RuleInfo{"concurrently-in-transaction",
                         "CONCURRENTLY forms, VACUUM and others inside a BEGIN … COMMIT block",
                         RuleGroup::Correctness, Severity::Error, true,
                         "none: PostgreSQL refuses the statement (ERROR 25001)",
                         "run the statement outside any transaction block"},
                check};
}

}  // namespace pgsafe::rules
