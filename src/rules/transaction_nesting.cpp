// transaction-nesting: BEGIN inside an open block, and COMMIT or ROLLBACK
// with no open block. PostgreSQL only warns about both and goes on, so the
// first COMMIT silently commits everything since the outer BEGIN.

#include "catalog.hpp"

#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

// The line of the BEGIN that opened the block the current statement is in.
size_t block_begin_line(const Context& ctx) {
    size_t i = ctx.index();
    const size_t block = ctx.current().transaction;
    while (i > 0 && ctx.statements()[i - 1].transaction == block) --i;
    return sql::LineIndex(ctx.file().text).position(ctx.statements()[i].statement->span.begin).line;
}

bool ends_block(const sql::Transaction& tx) {
    return tx.kind == sql::TransactionKind::Commit || tx.kind == sql::TransactionKind::Rollback;
}

// " (the block was already closed at line N)" when an earlier COMMIT or
// ROLLBACK closed the last block, else empty.
std::string already_closed(const Context& ctx) {
    for (size_t i = ctx.index(); i-- > 0;) {
        const StatementInfo& info = ctx.statements()[i];
        const auto* tx = std::get_if<sql::Transaction>(&info.statement->detail);
        if (tx == nullptr || !ends_block(*tx)) continue;
        if (info.transaction == 0) continue;  // a stray one, reported on its own
        size_t line = sql::LineIndex(ctx.file().text).position(info.statement->span.begin).line;
        return fmt::format(" (the block was already closed at line {})", line);
    }
    return {};
}

void check(const Context& ctx, Emitter& emit) {
    const auto* tx = std::get_if<sql::Transaction>(&ctx.statement().detail);
    if (tx == nullptr) return;
    const StatementInfo& current = ctx.current();
    if (tx->kind == sql::TransactionKind::Begin && !current.begins_transaction) {
        size_t line = block_begin_line(ctx);
        emit.report(
            {ctx.statement().span,
             fmt::format("BEGIN inside the transaction block opened at line {}: PostgreSQL only warns "
                         "(\"there is already a transaction in progress\"), and the first COMMIT commits "
                         "everything since line {}",
                         line, line),
             "Remove this BEGIN, or COMMIT the open block before it.", std::nullopt, std::nullopt,
             std::nullopt});
        return;
    }
    if (ends_block(*tx) && current.transaction == 0) {
        const bool commit = tx->kind == sql::TransactionKind::Commit;
        const char* word = commit ? "COMMIT" : "ROLLBACK";
        emit.report({ctx.statement().span,
                     fmt::format("{} with no open transaction block{}: PostgreSQL only warns (\"there is no "
                                 "transaction in progress\"), and under a runner that wraps the file in a "
                                 "transaction it {} that transaction here, half-way through the file",
                                 word, already_closed(ctx), commit ? "commits" : "rolls back"),
                     fmt::format("Remove this {}, or add the BEGIN it belongs to.", word), std::nullopt,
                     std::nullopt, std::nullopt});
    }
}

}  // namespace

Rule transaction_nesting() {
    return Rule{
        RuleInfo{"transaction-nesting",
                 "BEGIN inside an open transaction block, or COMMIT/ROLLBACK outside one",
                 RuleGroup::Correctness, Severity::Error, true, "none",
                 "one BEGIN … COMMIT per block, or none at all (pgsafe migrate wraps the file itself)"},
        check};
}

}  // namespace pgsafe::rules
