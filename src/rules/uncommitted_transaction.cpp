// uncommitted-transaction: a BEGIN whose block is still open at the end of
// the file. psql rolls it back when the session ends; a runner that wraps
// files commits or rolls it back as it sees fit: either way, silently.

#include "catalog.hpp"

namespace pgsafe::rules {
namespace {

bool closes_block(const sql::Statement& statement) {
    const auto* tx = std::get_if<sql::Transaction>(&statement.detail);
    return tx != nullptr &&
           (tx->kind == sql::TransactionKind::Commit || tx->kind == sql::TransactionKind::Rollback ||
            tx->kind == sql::TransactionKind::Prepare);
}

void check(const Context& ctx, Emitter& emit) {
    const StatementInfo& current = ctx.current();
    if (!current.begins_transaction) return;
    const auto& all = ctx.statements();
    for (size_t i = ctx.index() + 1; i < all.size() && all[i].transaction == current.transaction; ++i) {
        if (closes_block(*all[i].statement)) return;
    }
    emit.report({ctx.statement().span,
                 "The transaction block opened here is never closed: the file ends with it open, so whatever "
                 "runs the file decides, silently, whether its statements are committed or rolled back",
                 "Add COMMIT at the end of the block.", std::nullopt, std::string("COMMIT;"), std::nullopt});
}

}  // namespace

Rule uncommitted_transaction() {
    return Rule{
        RuleInfo{"uncommitted-transaction", "A BEGIN with no COMMIT or ROLLBACK before the end of the file",
                 RuleGroup::Correctness, Severity::Error, true,
                 "none; the open transaction keeps every lock it took until the session ends",
                 "COMMIT at the end of the block"},
        check};
}

}  // namespace pgsafe::rules
